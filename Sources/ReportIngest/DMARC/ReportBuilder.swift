import ReportModel

/// Collects the elements of one `<feedback>` document as the parser passes them.
struct ReportBuilder {
    /// Where the parser is in the document, by element.
    enum Scope {
        case feedback, metadata, dateRange, policy, record, row, policyEvaluated, reason
        case identifiers, authResults, dkim, spf
        case leaf(Field)
    }

    /// A text element whose value the model keeps.
    enum Field {
        case version
        case orgName, email, extraContactInfo, reportID, error, generator, begin, end
        case domain, adkim, aspf, p, sp, np, pct, fo, testing, discoveryMethod
        case sourceIP, count, disposition, alignedDKIM, alignedSPF, reasonType, reasonComment
        case headerFrom, envelopeFrom, envelopeTo
        case dkimDomain, dkimSelector, dkimResult, dkimHuman
        case spfDomain, spfScope, spfResult, spfHuman
    }

    let limits: IngestLimits
    private var stack: [Scope] = []
    /// The UTF-8 text of the open leaf element, and of the open `<reason>` (a bare reason).
    private var text: [UInt8] = []
    private var reasonText: [UInt8] = []
    private(set) var isComplete = false
    private var wrapperIsOpen = false
    private var rootName: String?
    /// Whether `<feedback>` sits inside another element (a stray wrapper).
    var hasWrapper: Bool { rootName != nil }

    private var fields: [Field: String] = [:]
    private var errors: [String] = []
    private var namespace: String?
    private var records: [AggregateRecord] = []
    /// The `report_metadata/error` entries kept; the rest are dropped.
    static let maxErrors = 100
    /// The messages of the records so far: at most ``ReportCounts/maximum``.
    private var messageTotal: Int64 = 0
    /// Records read so far, in memory or spilled.
    private var recordCount = 0
    /// The first records of a large report, once there were too many to hold.
    private var spilled: RecordSpill?
    /// Where records go when there are too many to hold, and the batch's count of them.
    let spillArea: RecordSpillArea
    /// Records added since the batch's count was last told.
    private var unreported = 0
    /// The batch held more records than it may at the last count.
    private var batchIsFull = false
    static let holdStep = 256

    /// The records this builder holds in memory that the batch counts: to give back when its
    /// report fails.
    var heldRecords: Int { records.count - unreported }
    /// Records held in memory before they go to a ``RecordSpill``.
    static let recordsInMemory = 10_000
    /// The most override reasons, DKIM and SPF results one record may list (real ones: a few).
    static let maxResultsPerRecord = 100
    private var record = RecordFields()
    private var reason = OverrideReason(type: nil)
    private var dkim = DKIMAuthResult(domain: nil, result: nil)
    private var spf = SPFAuthResult(domain: nil, result: nil)

    /// One record's values as read, before they are checked.
    private struct RecordFields {
        var sourceIP, count, disposition, alignedDKIM, alignedSPF: String?
        var headerFrom, envelopeFrom, envelopeTo: String?
        var reasons: [OverrideReason] = []
        var dkim: [DKIMAuthResult] = []
        var spf: [SPFAuthResult] = []
    }

    init(limits: IngestLimits, spillArea: RecordSpillArea) {
        self.limits = limits
        self.spillArea = spillArea
    }

    /// Checks, at the end of the document, that a whole `<feedback>` was read.
    func finish() throws {
        guard isComplete else {
            if let rootName, rootName != "feedback" {
                throw IngestError(.notAReport, "root element <\(rootName)> is not <feedback>")
            }
            throw IngestError(.malformedXML, "no complete <feedback> element")
        }
    }

    /// Handles an element start `depth` elements deep. Returns `true` when the parser should
    /// skip its content (and its end).
    mutating func startElement(_ name: ElementName, depth: Int, namespaceURI: UnsafePointer<UInt8>?) throws -> Bool {
        guard let parent = stack.last else {
            // Outside <feedback>: the root, a stray wrapper, or what follows the report.
            if isComplete { return true }
            if name == "feedback" && depth <= 1 {
                namespace = namespaceURI.map { String(cString: $0) }
                stack.append(.feedback)
                return false
            }
            if depth == 0 {
                rootName = name.string
                wrapperIsOpen = true
                return false
            }
            return true
        }
        guard let scope = Self.child(named: name, of: parent) else { return true }
        if stack.count > 64 { throw IngestError(.malformedXML, "elements nested too deep") }
        switch scope {
        case .record:
            guard recordCount < limits.maxRecords else {
                throw IngestError(.tooLarge, "more than \(limits.maxRecords) records")
            }
            record = RecordFields()
        case .reason:
            reason = OverrideReason(type: nil)
            reasonText.removeAll(keepingCapacity: true)
        case .dkim: dkim = DKIMAuthResult(domain: nil, result: nil)
        case .spf: spf = SPFAuthResult(domain: nil, result: nil)
        case .leaf: text.removeAll(keepingCapacity: true)
        default: break
        }
        stack.append(scope)
        return false
    }

    /// Handles a run of text (libxml2 may split one text node into several).
    /// - Parameter line: where the parser is, for the error message.
    mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>, line: () -> Int) throws {
        switch stack.last {
        case .leaf(let field)?:
            guard text.count + bytes.count <= limits.maxFieldBytes else {
                throw IngestError(
                    .tooLarge, "text of <\(field)> exceeds \(limits.maxFieldBytes) bytes (line \(line()))")
            }
            text.append(contentsOf: bytes)
        case .reason?:
            guard reasonText.count + bytes.count <= limits.maxFieldBytes else {
                throw IngestError(.tooLarge, "text of <reason> exceeds \(limits.maxFieldBytes) bytes (line \(line()))")
            }
            reasonText.append(contentsOf: bytes)
        default:
            break
        }
    }

    /// Handles the end of an element the builder did not skip.
    mutating func endElement() throws {
        guard let scope = stack.popLast() else {
            if wrapperIsOpen { wrapperIsOpen = false }
            return
        }
        switch scope {
        case .leaf(let field):
            assign(String(decoding: text, as: UTF8.self).trimmedWhitespace(), to: field)
        case .reason:
            if reason.type == nil,
                let bare = OverrideReasonType(normalizing: String(decoding: reasonText, as: UTF8.self))
            {
                reason.type = bare
            }
            if reason.type != nil || reason.comment != nil {
                try keep(reason, in: &record.reasons, "policy_evaluated/reason")
            }
        case .dkim:
            if dkim.domain != nil || dkim.result != nil || dkim.selector != nil {
                try keep(dkim, in: &record.dkim, "auth_results/dkim")
            }
        case .spf:
            if spf.domain != nil || spf.result != nil { try keep(spf, in: &record.spf, "auth_results/spf") }
        case .record:
            let made = try makeRecord(number: recordCount + 1)
            messageTotal += made.count
            records.append(made)
            recordCount += 1
            unreported += 1
            if unreported == Self.holdStep {
                // The batch's count of records in memory, told in steps (it takes a lock).
                batchIsFull = spillArea.hold(unreported)
                unreported = 0
            }
            if records.count >= Self.recordsInMemory || (batchIsFull && records.count >= Self.holdStep) {
                // Too many to hold: the first ones go to the batch's file (RecordSpill).
                let spill = spilled ?? RecordSpill(area: spillArea)
                try spill.append(records)
                spilled = spill
                batchIsFull = spillArea.hold(unreported - records.count)
                unreported = 0
                records.removeAll(keepingCapacity: true)
            }
        case .feedback:
            isComplete = true
        default:
            break
        }
    }

    /// Appends one of a record's results, refusing a record that lists more than any receiver writes.
    private func keep<Value>(_ value: Value, in list: inout [Value], _ what: String) throws {
        guard list.count < Self.maxResultsPerRecord else {
            throw IngestError(
                .tooLarge, "record \(recordCount + 1) has more than \(Self.maxResultsPerRecord) \(what) entries")
        }
        list.append(value)
    }

    private mutating func assign(_ value: String, to field: Field) {
        let optional: String? = value.isEmpty ? nil : value
        switch field {
        case .error:
            // Reporters write one or two; a stranger's report may hold millions.
            if let optional, errors.count < Self.maxErrors { errors.append(optional) }
        case .sourceIP: record.sourceIP = value
        case .count: record.count = value
        case .disposition: record.disposition = value
        case .alignedDKIM: record.alignedDKIM = value
        case .alignedSPF: record.alignedSPF = value
        case .headerFrom: record.headerFrom = value
        case .envelopeFrom: record.envelopeFrom = value
        case .envelopeTo: record.envelopeTo = value
        case .reasonType: reason.type = OverrideReasonType(normalizing: value)
        case .reasonComment: reason.comment = optional
        case .dkimDomain: dkim.domain = optional
        case .dkimSelector: dkim.selector = optional
        case .dkimResult:
            dkim.result = AuthResult(normalizing: value)
            dkim.receivedResult = Self.received(value, unless: dkim.result)
        case .dkimHuman: dkim.humanResult = optional
        case .spfDomain: spf.domain = optional
        case .spfScope: spf.scope = SPFScope(normalizing: value)
        case .spfResult:
            spf.result = AuthResult(normalizing: value)
            spf.receivedResult = Self.received(value, unless: spf.result)
        case .spfHuman: spf.humanResult = optional
        default:
            // Report-level fields: the first non-empty value wins.
            if fields[field] == nil || fields[field] == "" { fields[field] = value }
        }
    }

    private static func received(_ text: String, unless value: (some OpenValue)?) -> String? {
        guard !text.isEmpty, text != value?.rawValue else { return nil }
        return text
    }

    private func makeRecord(number: Int) throws -> AggregateRecord {
        let values = record
        // An empty or missing source_ip is kept as "" (unknown source): the messages still count.
        let ipText = values.sourceIP ?? ""
        guard let countText = values.count, !countText.isEmpty else {
            throw IngestError(.missingField, "record \(number): row/count is missing or empty")
        }
        guard let count = NumberText.integer(countText, allowFraction: false), count >= 0 else {
            throw IngestError(
                .invalidValue, "record \(number): row/count '\(countText.prefix(40))' is not a count of messages")
        }
        guard count <= ReportCounts.maximum else {
            throw IngestError(
                .invalidValue,
                "record \(number): row/count \(count) is more than any reporter can have seen (the most is 2^53)")
        }
        guard count <= ReportCounts.maximum - messageTotal else {
            throw IngestError(
                .invalidValue,
                "record \(number): the records add up to more than 2^53 messages, more than any reporter can have seen")
        }
        return AggregateRecord(
            sourceIP: IPAddressText.canonical(ipText),
            count: count,
            disposition: values.disposition.flatMap(Disposition.init(normalizing:)),
            dkim: values.alignedDKIM.flatMap(AlignedVerdict.init(normalizing:)),
            spf: values.alignedSPF.flatMap(AlignedVerdict.init(normalizing:)),
            reasons: record.reasons,
            headerFrom: values.headerFrom.flatMap { $0.isEmpty ? nil : $0 },
            envelopeFrom: values.envelopeFrom.flatMap { $0.isEmpty ? nil : $0 },
            envelopeTo: values.envelopeTo.flatMap { $0.isEmpty ? nil : $0 },
            dkimResults: record.dkim,
            spfResults: record.spf)
    }

    /// Checks the required fields and builds the report.
    func makeReport() throws -> AggregateReport {
        func value(_ field: Field) -> String? {
            guard let text = fields[field], !text.isEmpty else { return nil }
            return text
        }
        guard let reportID = value(.reportID) else {
            throw IngestError(.missingField, "report_metadata/report_id is missing or empty")
        }
        guard let beginText = value(.begin), let endText = value(.end) else {
            throw IngestError(.missingField, "report_metadata/date_range needs begin and end")
        }
        guard let begin = NumberText.integer(beginText, allowFraction: true),
            let end = NumberText.integer(endText, allowFraction: true),
            begin >= 0, end >= 0, begin <= DateRange.latestTimestamp, end <= DateRange.latestTimestamp
        else {
            throw IngestError(
                .invalidValue,
                "date_range '\(beginText.prefix(30))'–'\(endText.prefix(30))' is not a pair of timestamps from 1970 to 9999"
            )
        }
        guard end >= begin else {
            throw IngestError(.invalidValue, "date_range ends (\(end)) before it begins (\(begin))")
        }
        guard let domainText = value(.domain) else {
            throw IngestError(.missingField, "policy_published/domain is missing or empty")
        }
        let email = value(.email)
        let orgName = value(.orgName) ?? email.flatMap(ReportMetadata.domain(ofAddress:)) ?? ""
        guard !orgName.isEmpty else {
            throw IngestError(.missingField, "report_metadata has neither org_name nor an email domain")
        }
        let metadata = ReportMetadata(
            orgName: orgName, email: email, extraContactInfo: value(.extraContactInfo), reportID: reportID,
            dateRange: DateRange(begin: begin, end: end), errors: errors, generator: value(.generator))
        let policy = PublishedPolicy(
            domain: PublishedPolicy.normalizedDomain(domainText),
            adkim: value(.adkim).flatMap(AlignmentMode.init(normalizing:)),
            aspf: value(.aspf).flatMap(AlignmentMode.init(normalizing:)),
            p: value(.p).flatMap(Disposition.init(normalizing:)),
            sp: value(.sp).flatMap(Disposition.init(normalizing:)),
            np: value(.np).flatMap(Disposition.init(normalizing:)),
            pct: value(.pct), fo: value(.fo),
            testing: value(.testing).flatMap(TestingFlag.init(normalizing:)),
            discoveryMethod: value(.discoveryMethod).flatMap(DiscoveryMethod.init(normalizing:)))
        try spilled?.flush()
        return AggregateReport(
            metadata: metadata, policy: policy, records: records, version: value(.version), namespace: namespace,
            spilledRecords: spilled)
    }

    /// The scope of a child element, or `nil` for elements the model does not keep.
    static func child(named name: ElementName, of parent: Scope) -> Scope? {
        switch parent {
        case .feedback:
            switch name {
            case "report_metadata": .metadata
            case "policy_published": .policy
            case "record": .record
            case "version": .leaf(.version)
            default: nil  // <extension> and anything unknown
            }
        case .metadata:
            switch name {
            case "org_name": .leaf(.orgName)
            case "email": .leaf(.email)
            case "extra_contact_info": .leaf(.extraContactInfo)
            case "report_id": .leaf(.reportID)
            case "date_range": .dateRange
            case "error": .leaf(.error)
            case "generator": .leaf(.generator)
            default: nil
            }
        case .dateRange:
            switch name {
            case "begin": .leaf(.begin)
            case "end": .leaf(.end)
            default: nil
            }
        case .policy:
            switch name {
            case "domain": .leaf(.domain)
            case "adkim": .leaf(.adkim)
            case "aspf": .leaf(.aspf)
            case "p": .leaf(.p)
            case "sp": .leaf(.sp)
            case "np": .leaf(.np)
            case "pct": .leaf(.pct)
            case "fo": .leaf(.fo)
            case "testing": .leaf(.testing)
            case "discovery_method": .leaf(.discoveryMethod)
            default: nil
            }
        case .record:
            switch name {
            case "row": .row
            case "identifiers": .identifiers
            case "auth_results": .authResults
            default: nil
            }
        case .row:
            switch name {
            case "source_ip": .leaf(.sourceIP)
            case "count": .leaf(.count)
            case "policy_evaluated": .policyEvaluated
            default: nil
            }
        case .policyEvaluated:
            switch name {
            case "disposition": .leaf(.disposition)
            case "dkim": .leaf(.alignedDKIM)
            case "spf": .leaf(.alignedSPF)
            case "reason": .reason
            default: nil
            }
        case .reason:
            switch name {
            case "type": .leaf(.reasonType)
            case "comment": .leaf(.reasonComment)
            default: nil
            }
        case .identifiers:
            switch name {
            case "header_from": .leaf(.headerFrom)
            case "envelope_from": .leaf(.envelopeFrom)
            case "envelope_to": .leaf(.envelopeTo)
            default: nil
            }
        case .authResults:
            switch name {
            case "dkim": .dkim
            case "spf": .spf
            default: nil
            }
        case .dkim:
            switch name {
            case "domain": .leaf(.dkimDomain)
            case "selector": .leaf(.dkimSelector)
            case "result": .leaf(.dkimResult)
            case "human_result": .leaf(.dkimHuman)
            default: nil
            }
        case .spf:
            switch name {
            case "domain": .leaf(.spfDomain)
            case "scope": .leaf(.spfScope)
            case "result": .leaf(.spfResult)
            case "human_result": .leaf(.spfHuman)
            default: nil
            }
        case .leaf:
            nil
        }
    }
}
