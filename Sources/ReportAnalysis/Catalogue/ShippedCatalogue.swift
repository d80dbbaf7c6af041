// The source catalogue shipped with MailTally: the PTR base domains (and reporter domains) of the
// senders most domain owners meet, each mapped to the source it belongs to, a category and a
// service name. One entry a line, `domain,source,category,service`; `#` comments. A domain
// matches itself and every name under it (`sendgrid.net` matches `o1.ptr2130.sendgrid.net`).
// Categories: mailbox (mailbox provider), esp, marketing, saas, gateway (security gateway),
// forwarder, isp, hosting. The user's source map (`--source-map`) overrides every entry.
//
// Domains are listed from the providers' own documentation of their sending hosts; the source
// is the organisational domain that groups a provider's domains (`outlook.com` → `microsoft.com`).

extension SourceCatalogue {
    static let shippedText = """
        # Mailbox providers
        google.com,google.com,mailbox,Google
        googlemail.com,google.com,mailbox,Google
        gmail.com,google.com,mailbox,Google
        1e100.net,google.com,mailbox,Google
        microsoft.com,microsoft.com,mailbox,Microsoft
        outlook.com,microsoft.com,mailbox,Microsoft
        protection.outlook.com,microsoft.com,mailbox,Microsoft
        hotmail.com,microsoft.com,mailbox,Microsoft
        live.com,microsoft.com,mailbox,Microsoft
        msn.com,microsoft.com,mailbox,Microsoft
        office365.com,microsoft.com,mailbox,Microsoft
        microsoftonline.com,microsoft.com,mailbox,Microsoft
        exchangelabs.com,microsoft.com,mailbox,Microsoft
        outlook.de,microsoft.com,mailbox,Microsoft
        yahoo.com,yahoo.com,mailbox,Yahoo
        yahooinc.com,yahoo.com,mailbox,Yahoo
        yahoodns.net,yahoo.com,mailbox,Yahoo
        aol.com,yahoo.com,mailbox,Yahoo
        aol.net,yahoo.com,mailbox,Yahoo
        oath.net,yahoo.com,mailbox,Yahoo
        apple.com,apple.com,mailbox,Apple iCloud Mail
        icloud.com,apple.com,mailbox,Apple iCloud Mail
        me.com,apple.com,mailbox,Apple iCloud Mail
        mac.com,apple.com,mailbox,Apple iCloud Mail
        mail.ru,mail.ru,mailbox,Mail.ru
        vk.com,mail.ru,mailbox,Mail.ru
        yandex.net,yandex.ru,mailbox,Yandex Mail
        yandex.ru,yandex.ru,mailbox,Yandex Mail
        gmx.net,gmx.net,mailbox,GMX / WEB.DE (1&1)
        gmx.de,gmx.net,mailbox,GMX / WEB.DE (1&1)
        gmx.com,gmx.net,mailbox,GMX / WEB.DE (1&1)
        web.de,gmx.net,mailbox,GMX / WEB.DE (1&1)
        1and1.com,gmx.net,mailbox,GMX / WEB.DE (1&1)
        ionos.com,gmx.net,mailbox,GMX / WEB.DE (1&1)
        kundenserver.de,gmx.net,mailbox,GMX / WEB.DE (1&1)
        perfora.net,gmx.net,mailbox,GMX / WEB.DE (1&1)
        zoho.com,zoho.com,mailbox,Zoho Mail
        zoho.eu,zoho.com,mailbox,Zoho Mail
        zohomail.com,zoho.com,mailbox,Zoho Mail
        fastmail.com,fastmail.com,mailbox,Fastmail
        messagingengine.com,fastmail.com,mailbox,Fastmail
        protonmail.ch,proton.me,mailbox,Proton Mail
        proton.me,proton.me,mailbox,Proton Mail
        mailbox.org,mailbox.org,mailbox,mailbox.org
        posteo.de,posteo.de,mailbox,Posteo
        qq.com,qq.com,mailbox,Tencent QQ Mail
        163.com,netease.com,mailbox,NetEase Mail
        126.com,netease.com,mailbox,NetEase Mail
        netease.com,netease.com,mailbox,NetEase Mail
        naver.com,naver.com,mailbox,Naver Mail
        seznam.cz,seznam.cz,mailbox,Seznam
        ovh.net,ovh.com,hosting,OVHcloud
        gandi.net,gandi.net,mailbox,Gandi Mail
        # Email service providers (transactional)
        amazonses.com,amazonses.com,esp,Amazon SES
        sendgrid.net,sendgrid.net,esp,SendGrid
        sendgrid.com,sendgrid.net,esp,SendGrid
        mailgun.net,mailgun.com,esp,Mailgun
        mailgun.org,mailgun.com,esp,Mailgun
        mailgun.com,mailgun.com,esp,Mailgun
        sparkpostmail.com,sparkpost.com,esp,SparkPost
        sparkpost.com,sparkpost.com,esp,SparkPost
        mtasv.net,postmarkapp.com,esp,Postmark
        postmarkapp.com,postmarkapp.com,esp,Postmark
        mandrillapp.com,mailchimp.com,marketing,Mailchimp
        mailjet.com,mailjet.com,esp,Mailjet
        sendinblue.com,brevo.com,marketing,Brevo
        brevo.com,brevo.com,marketing,Brevo
        elasticemail.com,elasticemail.com,esp,Elastic Email
        smtp2go.com,smtp2go.com,esp,SMTP2GO
        socketlabs.com,socketlabs.com,esp,SocketLabs
        mailersend.net,mailersend.com,esp,MailerSend
        mailersend.com,mailersend.com,esp,MailerSend
        sendpulse.com,sendpulse.com,esp,SendPulse
        resend.com,resend.com,esp,Resend
        smtp.com,smtp.com,esp,SMTP.com
        # Marketing platforms
        mcsv.net,mailchimp.com,marketing,Mailchimp
        mcdlv.net,mailchimp.com,marketing,Mailchimp
        rsgsv.net,mailchimp.com,marketing,Mailchimp
        mailchimp.com,mailchimp.com,marketing,Mailchimp
        exacttarget.com,salesforce.com,marketing,Salesforce
        salesforce.com,salesforce.com,saas,Salesforce
        pardot.com,salesforce.com,marketing,Salesforce
        hubspotemail.net,hubspot.com,marketing,HubSpot
        hubspot.com,hubspot.com,marketing,HubSpot
        mktomail.com,marketo.com,marketing,Marketo (Adobe)
        mktdns.com,marketo.com,marketing,Marketo (Adobe)
        marketo.com,marketo.com,marketing,Marketo (Adobe)
        createsend.com,campaignmonitor.com,marketing,Campaign Monitor
        cmail19.com,campaignmonitor.com,marketing,Campaign Monitor
        cmail20.com,campaignmonitor.com,marketing,Campaign Monitor
        campaignmonitor.com,campaignmonitor.com,marketing,Campaign Monitor
        ccsend.com,constantcontact.com,marketing,Constant Contact
        constantcontact.com,constantcontact.com,marketing,Constant Contact
        klaviyomail.com,klaviyo.com,marketing,Klaviyo
        klaviyo.com,klaviyo.com,marketing,Klaviyo
        emarsys.net,emarsys.com,marketing,Emarsys (SAP)
        responsys.net,oracle.com,marketing,Oracle
        eloqua.com,oracle.com,marketing,Oracle
        oracle.com,oracle.com,saas,Oracle
        mailerlite.com,mailerlite.com,marketing,MailerLite
        getresponse.com,getresponse.com,marketing,GetResponse
        acemsrvc.com,activecampaign.com,marketing,ActiveCampaign
        activecampaign.com,activecampaign.com,marketing,ActiveCampaign
        # SaaS, helpdesk and CRM senders
        zendesk.com,zendesk.com,saas,Zendesk
        freshdesk.com,freshworks.com,saas,Freshworks
        freshemail.io,freshworks.com,saas,Freshworks
        freshworks.com,freshworks.com,saas,Freshworks
        intercom-mail.com,intercom.com,saas,Intercom
        intercom.io,intercom.com,saas,Intercom
        helpscout.net,helpscout.com,saas,Help Scout
        atlassian.net,atlassian.com,saas,Atlassian
        atlassian.com,atlassian.com,saas,Atlassian
        github.com,github.com,saas,GitHub
        docusign.net,docusign.com,saas,DocuSign
        docusign.com,docusign.com,saas,DocuSign
        servicenow.com,servicenow.com,saas,ServiceNow
        shopifyemail.com,shopify.com,saas,Shopify
        shopify.com,shopify.com,saas,Shopify
        netsuite.com,oracle.com,saas,Oracle
        slack.com,slack.com,saas,Slack
        # Security gateways
        pphosted.com,proofpoint.com,gateway,Proofpoint
        ppe-hosted.com,proofpoint.com,gateway,Proofpoint
        proofpoint.com,proofpoint.com,gateway,Proofpoint
        mimecast.com,mimecast.com,gateway,Mimecast
        mimecast-offshore.com,mimecast.com,gateway,Mimecast
        iphmx.com,cisco.com,gateway,Cisco Secure Email
        messagelabs.com,broadcom.com,gateway,Broadcom Email Security
        barracudanetworks.com,barracuda.com,gateway,Barracuda
        barracuda.com,barracuda.com,gateway,Barracuda
        trendmicro.com,trendmicro.com,gateway,Trend Micro Email Security
        trendmicro.eu,trendmicro.com,gateway,Trend Micro Email Security
        sophos.com,sophos.com,gateway,Sophos Email
        mailcontrol.com,forcepoint.com,gateway,Forcepoint
        hornetsecurity.com,hornetsecurity.com,gateway,Hornetsecurity
        antispamcloud.com,n-able.com,gateway,SpamExperts (N-able)
        # Forwarders
        forwardemail.net,forwardemail.net,forwarder,Forward Email
        improvmx.com,improvmx.com,forwarder,ImprovMX
        pobox.com,pobox.com,forwarder,Pobox
        simplelogin.co,simplelogin.io,forwarder,SimpleLogin
        simplelogin.io,simplelogin.io,forwarder,SimpleLogin
        duck.com,duckduckgo.com,forwarder,DuckDuckGo Email Protection
        duckduckgo.com,duckduckgo.com,forwarder,DuckDuckGo Email Protection
        addy.io,addy.io,forwarder,addy.io
        anonaddy.me,addy.io,forwarder,addy.io
        # Internet service providers
        comcast.net,comcast.net,isp,Comcast
        verizon.net,verizon.com,isp,Verizon
        charter.com,charter.com,isp,Charter Spectrum
        cox.net,cox.net,isp,Cox
        t-online.de,telekom.de,isp,Deutsche Telekom
        telekom.de,telekom.de,isp,Deutsche Telekom
        orange.fr,orange.fr,isp,Orange
        wanadoo.fr,orange.fr,isp,Orange
        free.fr,free.fr,isp,Free
        sfr.fr,sfr.fr,isp,SFR
        btinternet.com,bt.com,isp,BT
        bt.com,bt.com,isp,BT
        virginmedia.com,virginmedia.com,isp,Virgin Media
        shawcable.net,shaw.ca,isp,Shaw
        rogers.com,rogers.com,isp,Rogers
        bigpond.net.au,telstra.com,isp,Telstra
        telstra.com,telstra.com,isp,Telstra
        # Hosting and cloud networks (mail from them is anyone's)
        amazonaws.com,amazonaws.com,hosting,Amazon Web Services (EC2)
        googleusercontent.com,googleusercontent.com,hosting,Google Cloud
        linode.com,linode.com,hosting,Akamai Linode
        your-server.de,hetzner.com,hosting,Hetzner
        hetzner.com,hetzner.com,hosting,Hetzner
        contabo.net,contabo.com,hosting,Contabo
        digitalocean.com,digitalocean.com,hosting,DigitalOcean
        """
}
