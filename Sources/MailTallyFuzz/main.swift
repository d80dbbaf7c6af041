// libFuzzer entry point for the parsers that read strangers' bytes. `scripts/fuzz` builds this
// with `-sanitize=fuzzer,address` and picks the target with MAILTALLY_FUZZ_TARGET:
// dmarc (the DMARC XML parser), tlsrpt (the TLS-RPT JSON parser), container (sniffing and
// decompression), mail (the mbox reader and the MIME parser with report extraction), headers
// (header sections, RFC 2047 encoded words and RFC 2231 parameters), dns (the
// readers of DNS answers that `mailtally enrich` gets from the network), columns (the reader of
// the JSON result columns of the store), imap (the IMAP framer and response parser, and
// modified UTF-7 mailbox names), smtp (the SMTP reply framer and parser, and the DATA block's
// dot-stuffing), records (the DMARC, SPF, MTA-STS and TLS-RPT records and the MTA-STS policy that
// `mailtally check` reads from DNS and HTTPS). The dns target also reads MX, TXT and TLSA answers.
// A plain `swift build` makes a harmless binary that fuzzes nothing.
import Foundation
import MailNetwork
import ReportIngest
import ReportModel
import ReportStore
import ReverseDNS

nonisolated(unsafe) let target = ProcessInfo.processInfo.environment["MAILTALLY_FUZZ_TARGET"] ?? "dmarc"
let limits = IngestLimits(
    maxReportBytes: 16 << 20, maxNestingDepth: 4, maxZipEntries: 100, maxFieldBytes: 64 << 10, maxRecords: 100_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    switch target {
    case "dns":
        DNSAnswerFuzzing.exercise(bytes)
    case "columns":
        RecordResultsFuzzing.exercise(bytes)
    case "records":
        let text = String(decoding: bytes, as: UTF8.self)
        if let record = try? DMARCRecord(parsing: text) { _ = DMARCRecord.mailtoDomains(record.aggregateReportURIs) }
        _ = try? SPFRecord(parsing: text)
        _ = try? TLSRPTRecord(parsing: text)
        _ = try? MTASTSRecord(parsing: text)
        if let policy = try? MTASTSPolicy(parsing: bytes) { _ = policy.covers("mx1.example.com") }
        _ = DNSName.normalized(text)
    case "smtp":
        var framer = SMTPFramer()
        var rest = bytes[...]
        while !rest.isEmpty {
            guard let length = try? Array(rest).withUnsafeBytes({ try framer.responseLength(in: $0) }) else { break }
            _ = try? SMTPReply(parsing: Array(rest.prefix(length)))
            rest = rest.dropFirst(length)
        }
        _ = SMTPClient.dataBlock(bytes)
    case "imap":
        // As the connection does: cut responses from the stream, then parse each one.
        var framer = IMAPFramer(maxLineBytes: 4096, maxLiteralBytes: 1 << 16)
        var rest = bytes[...]
        while !rest.isEmpty {
            // Stops at the end of what is whole, or at the first error.
            guard let length = try? Array(rest).withUnsafeBytes({ try framer.responseLength(in: $0) }) else { break }
            _ = try? IMAPResponseParser.parse(Array(rest.prefix(length)))
            rest = rest.dropFirst(length)
        }
        _ = ModifiedUTF7.decode(bytes)
    case "tlsrpt":
        _ = try? TLSReportParser(limits: limits).parse(bytes)
    case "container":
        _ = ReportExtractor(limits: limits).extract(bytes)
    case "headers":
        if let (headers, _) = try? MailHeaders.parse(bytes[...]) {
            for (name, value) in headers.fields {
                _ = headers.decoded(name)
                _ = HeaderParameters(parsing: value)
            }
        }
        _ = EncodedWords.decode(String(decoding: bytes, as: UTF8.self))
    case "mail":
        _ = MailExtractor(limits: limits).extract(message: bytes[...], number: 1)
        let path = NSTemporaryDirectory() + "mailtally-fuzz-\(getpid()).mbox"
        if FileManager.default.createFile(atPath: path, contents: Data(bytes)) {
            let descriptor = open(path, O_RDONLY)
            if descriptor >= 0 {
                let reader = MboxReader(reader: InputReader(descriptor: descriptor), maxMessageBytes: 1 << 20)
                while (try? reader.next()) ?? nil != nil {}
                close(descriptor)
            }
        }
    default:
        _ = try? DMARCParser(limits: limits).parse(bytes)
    }
    return 0
}
