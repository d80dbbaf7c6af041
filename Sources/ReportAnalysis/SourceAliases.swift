/// Organisational domains that belong to one sending organisation, as shipped with MailTally:
/// each maps to the name the correlation uses (`outlook.com` → `microsoft.com`).
public enum SourceAliases {
    public static let shipped: [String: String] = [
        // Microsoft
        "outlook.com": "microsoft.com", "hotmail.com": "microsoft.com", "live.com": "microsoft.com",
        "msn.com": "microsoft.com", "office365.com": "microsoft.com", "microsoftonline.com": "microsoft.com",
        "exchangelabs.com": "microsoft.com", "outlook.de": "microsoft.com",
        // Google
        "googlemail.com": "google.com", "gmail.com": "google.com", "1e100.net": "google.com",
        "googleusercontent.com": "google.com",
        // Yahoo and AOL (one company)
        "yahoo.com": "yahoo.com", "yahooinc.com": "yahoo.com", "yahoodns.net": "yahoo.com", "aol.com": "yahoo.com",
        "oath.net": "yahoo.com", "aol.net": "yahoo.com",
        // Apple, Amazon, Mail.ru, GMX/WEB.DE (1&1)
        "icloud.com": "apple.com", "me.com": "apple.com", "mac.com": "apple.com",
        "amazonses.com": "amazonses.com", "amazon.com": "amazon.com",
        "corp.mail.ru": "mail.ru", "mail.ru": "mail.ru",
        "gmx.net": "gmx.net", "gmx.de": "gmx.net", "web.de": "gmx.net", "1and1.com": "gmx.net", "ionos.com": "gmx.net",
        "kundenserver.de": "gmx.net",
        // Large ESPs with several domains
        "sendgrid.net": "sendgrid.net", "sendgrid.com": "sendgrid.net",
        "mailgun.org": "mailgun.com", "mailgun.net": "mailgun.com",
        "mcsv.net": "mailchimp.com", "mcdlv.net": "mailchimp.com", "rsgsv.net": "mailchimp.com", "mandrillapp.com": "mailchimp.com",
        "sparkpostmail.com": "sparkpost.com", "pphosted.com": "proofpoint.com", "mimecast.com": "mimecast.com",
        "mimecast-offshore.com": "mimecast.com", "iphmx.com": "cisco.com", "messagelabs.com": "broadcom.com",
        "zoho.eu": "zoho.com", "zohomail.com": "zoho.com", "fastmail.com": "fastmail.com", "messagingengine.com": "fastmail.com",
    ]
}
