import MailTallyCLI

MailTally.runAndExit()
