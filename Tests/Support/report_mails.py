#!/usr/bin/env python3
"""Report mails for the IMAP tests, one .eml file each, built with Python's email package.

    report_mails.py OUT --reports N [--seed S] [--poison K]

Writes OUT/corpus/ (scripts/bench-support/make_corpus.py: the same reports as files and as
OUT/corpus/inbox.mbox), then OUT/mail/00001.eml ... one message of that mbox each, in order,
then K poison messages: a report mail whose gzip attachment is corrupt, so that its part fails.
Prints the number of messages written.
"""
import argparse
import mailbox
import os
import subprocess
import sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CORPUS = os.path.join(HERE, "..", "..", "scripts", "bench-support", "make_corpus.py")


def poison(index):
    message = MIMEMultipart()
    message["From"] = "noreply-dmarc-support@google.com"
    message["To"] = "dmarc@example.com"
    message["Subject"] = f"Report domain: example.com Submitter: google.com Report-ID: poison-{index}"
    message["Date"] = formatdate(1795824000 + index, usegmt=True)
    message["Message-ID"] = make_msgid(f"poison{index}")
    message.attach(MIMEText("A DMARC report is attached.\n"))
    attachment = MIMEApplication(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03not gzip at all " + bytes([index % 256]) * 40,
                                 "gzip")
    attachment.add_header("Content-Disposition", "attachment",
                          filename=f"google.com!example.com!1795824000!1795910399!{index}.xml.gz")
    message.attach(attachment)
    return message.as_bytes()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--reports", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--poison", type=int, default=0)
    args = parser.parse_args()
    corpus = os.path.join(args.out, "corpus")
    subprocess.run([sys.executable, MAKE_CORPUS, corpus, "--reports", str(args.reports), "--seed", str(args.seed)],
                   check=True, stdout=subprocess.DEVNULL)
    folder = os.path.join(args.out, "mail")
    os.makedirs(folder, exist_ok=True)
    count = 0
    for message in mailbox.mbox(os.path.join(corpus, "inbox.mbox")):
        count += 1
        with open(os.path.join(folder, f"{count:05d}.eml"), "wb") as handle:
            handle.write(message.as_bytes())
    for index in range(args.poison):
        count += 1
        with open(os.path.join(folder, f"{count:05d}.eml"), "wb") as handle:
            handle.write(poison(index))
    print(count)


if __name__ == "__main__":
    main()
