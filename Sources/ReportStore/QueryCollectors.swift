import ReportModel

// What the store's questions make of the rows they read, shared by every backend: a backend
// selects the rows in its own SQL and hands them over one by one, so that both give the same
// answers from the same reports (docs/counting.md says each rule in words).

/// The distinct policies reporters saw for a domain, from its reports' policy rows.
package struct PolicyObservations {
    private var observations: [PublishedPolicy: PolicyObservation] = [:]

    package init() {}

    /// Adds one report's policy; rows come in order of the reports' start (`begin`).
    package mutating func add(
        begin: Int64, domain: String, adkim: String?, aspf: String?, p: String?, sp: String?, np: String?,
        pct: String?, testing: String?
    ) {
        // Reporters leave out tags that have defaults (sp, pct, adkim, aspf): compare the
        // effective policy, so that only a real change shows as one. np (RFC 9990) defaults
        // to sp, which defaults to p; it is not part of what is compared (reporters that give
        // it and those that do not would otherwise look like a change of policy), and is shown
        // when a reporter gave it.
        let p = p.map(Disposition.init(rawValue:))
        let sp = sp.map(Disposition.init(rawValue:)) ?? p
        let np = np.map(Disposition.init(rawValue:))
        let policy = PublishedPolicy(
            domain: domain, adkim: AlignmentMode(rawValue: adkim ?? "r"), aspf: AlignmentMode(rawValue: aspf ?? "r"),
            p: p, sp: sp, np: nil, pct: pct ?? "100", fo: nil, testing: testing.map(TestingFlag.init(rawValue:)),
            discoveryMethod: nil)
        var observation =
            observations[policy] ?? PolicyObservation(policy: policy, firstSeen: begin, lastSeen: begin, reports: 0)
        observation.firstSeen = min(observation.firstSeen, begin)
        observation.lastSeen = max(observation.lastSeen, begin)
        observation.reports += 1
        if let np, begin >= observation.reportedNPSince {
            observation.reportedNP = np
            observation.reportedNPSince = begin
        }
        observations[policy] = observation
    }

    /// The observations, oldest first.
    package var sorted: [PolicyObservation] {
        observations.values.sorted { ($0.firstSeen, $0.lastSeen, $0.tags) < ($1.firstSeen, $1.lastSeen, $1.tags) }
    }
}

extension AuthenticationBreakdown {
    /// Adds one record's `messages` under each DKIM signature, SPF check and override reason its
    /// result columns hold (``RecordResultsColumns``, as bytes; nil columns are skipped).
    package mutating func add(
        messages: Int64, dkimResults: UnsafeBufferPointer<UInt8>?, spfResults: UnsafeBufferPointer<UInt8>?,
        reasons: UnsafeBufferPointer<UInt8>?
    ) throws {
        if let dkimResults { try addDKIM(messages, dkimResults) }
        if let spfResults { try addSPF(messages, spfResults) }
        if let reasons { try addReasons(messages, reasons) }
    }

    /// The same, from the columns as text.
    package mutating func add(messages: Int64, dkimResults: String?, spfResults: String?, reasons: String?) throws {
        if var text = dkimResults { try text.withUTF8 { try addDKIM(messages, $0) } }
        if var text = spfResults { try text.withUTF8 { try addSPF(messages, $0) } }
        if var text = reasons { try text.withUTF8 { try addReasons(messages, $0) } }
    }

    private mutating func addDKIM(_ messages: Int64, _ column: UnsafeBufferPointer<UInt8>) throws {
        try Self.each(column, ["domain", "selector", "result"]) { values in
            let key = Key(domain: values[0] ?? "", selector: values[1] ?? "")
            dkim[key, default: .init()].messages.add(saturating: messages)
            if values[2] == "pass" { dkim[key, default: .init()].passed.add(saturating: messages) }
        }
    }

    private mutating func addSPF(_ messages: Int64, _ column: UnsafeBufferPointer<UInt8>) throws {
        try Self.each(column, ["domain", "result"]) { values in
            let key = Key(domain: values[0] ?? "")
            spf[key, default: .init()].messages.add(saturating: messages)
            if values[1] == "pass" { spf[key, default: .init()].passed.add(saturating: messages) }
        }
    }

    private mutating func addReasons(_ messages: Int64, _ column: UnsafeBufferPointer<UInt8>) throws {
        try Self.each(column, ["type"]) { values in
            overrideReasons[values[0] ?? "unspecified", default: 0].add(saturating: messages)
        }
    }

    /// Calls `body` with the named values of each object of a result column, read straight
    /// from its bytes; a value of another shape goes through the general decoder.
    private static func each(_ bytes: UnsafeBufferPointer<UInt8>, _ names: [String], _ body: ([String?]) -> Void)
        throws
    {
        guard !bytes.isEmpty, !RecordResultsColumns.forEachObject(in: bytes, names: names, body) else { return }
        for object in try RecordResultsColumns.decode(String(decoding: bytes, as: UTF8.self)) {
            body(names.map { object[$0] })
        }
    }
}

/// The records of a domain grouped by source and by everything they say but their IP.
package struct RecordGroupCollector {
    /// What a record says, as stored, that makes its group.
    package struct Fields {
        package var headerFrom, envelopeFrom, dkimResults, spfResults, dkim, spf, disposition, reasons: String?

        package init(
            headerFrom: String?, envelopeFrom: String?, dkimResults: String?, spfResults: String?, dkim: String?,
            spf: String?, disposition: String?, reasons: String?
        ) {
            self.headerFrom = headerFrom
            self.envelopeFrom = envelopeFrom
            self.dkimResults = dkimResults
            self.spfResults = spfResults
            self.dkim = dkim
            self.spf = spf
            self.disposition = disposition
            self.reasons = reasons
        }

        /// Everything the group says, for an order that never depends on the run.
        var key: String {
            [headerFrom, envelopeFrom, dkimResults, spfResults, dkim, spf, disposition, reasons]
                .map { $0 ?? "\u{0}" }.joined(separator: "\u{1}")
        }
    }

    private struct Entry {
        var group: RecordGroup
        var reports: Set<Int64>
        var ips: Set<String>
        var key: String
    }

    private var merged: [String: [String: Entry]] = [:]

    package init() {}

    /// Adds one record of `source`, from address `ip`, in stored report `report`.
    package mutating func add(source: String, ip: String, fields: Fields, count: Int64, report: Int64) {
        let key = fields.key
        if var entry = merged[source]?[key] {
            entry.group.messages.add(saturating: count)
            entry.reports.insert(report)
            entry.ips.insert(ip)
            merged[source]?[key] = entry
        } else {
            let group = RecordGroup(
                headerFrom: fields.headerFrom, envelopeFrom: fields.envelopeFrom,
                dkimResults: (try? RecordResultsColumns.dkim(from: fields.dkimResults)) ?? [],
                spfResults: (try? RecordResultsColumns.spf(from: fields.spfResults)) ?? [],
                alignedDKIM: fields.dkim.map(AlignedVerdict.init(rawValue:)),
                alignedSPF: fields.spf.map(AlignedVerdict.init(rawValue:)),
                disposition: fields.disposition.map(Disposition.init(rawValue:)),
                reasons: (try? RecordResultsColumns.reasons(from: fields.reasons)) ?? [], messages: count, reports: 0,
                sourceIPs: [])
            merged[source, default: [:]][key] = Entry(group: group, reports: [report], ips: [ip], key: key)
        }
    }

    /// Each source's groups, biggest first, at most `limit` each.
    package func groups(limit: Int) -> [String: [RecordGroup]] {
        merged.mapValues { entries in
            let sorted = entries.values.sorted { a, b in
                a.group.messages != b.group.messages ? a.group.messages > b.group.messages : a.key < b.key
            }
            return sorted.prefix(limit).map { entry in
                var group = entry.group
                group.reports = Int64(entry.reports.count)
                group.sourceIPs = entry.ips.sorted()
                return group
            }
        }
    }
}

/// TLS breakdowns per policy domain, from policy rows (in report start order) and failure rows,
/// their counts already cut to the period.
package struct TLSBreakdownBuilder {
    private var result: [String: TLSBreakdown] = [:]
    private var reportsPerType: [String: [String: Set<Int64>]] = [:]
    private var reportsPerReporter: [String: [String: Set<Int64>]] = [:]
    private var modes: [String: [MTASTSMode]] = [:]

    package init() {}

    /// Adds one policy of stored report `report`.
    package mutating func addPolicy(
        domain: String, report: Int64, reporter: String, type: String, stsMode: String?, stsMaxAge: Int64?,
        successful: Int64, failed: Int64
    ) {
        var breakdown = result[domain] ?? TLSBreakdown()
        breakdown.byPolicyType[type, default: .init()].successful.add(saturating: successful)
        breakdown.byPolicyType[type, default: .init()].failed.add(saturating: failed)
        breakdown.byReporter[reporter, default: .init()].successful.add(saturating: successful)
        breakdown.byReporter[reporter, default: .init()].failed.add(saturating: failed)
        reportsPerType[domain, default: [:]][type, default: []].insert(report)
        reportsPerReporter[domain, default: [:]][reporter, default: []].insert(report)
        if let stsMode {
            let mode = MTASTSMode(rawValue: stsMode)
            breakdown.stsMode = mode
            breakdown.stsMaxAge = stsMaxAge
            if !(modes[domain]?.contains(mode) ?? false) { modes[domain, default: []].append(mode) }
        }
        result[domain] = breakdown
    }

    /// Adds one failure detail's sessions.
    package mutating func addFailure(domain: String, receivingMX: String?, count: Int64) {
        result[domain, default: TLSBreakdown()].failuresByReceivingMX[receivingMX ?? "", default: 0].add(
            saturating: count)
        result[domain, default: TLSBreakdown()].detailedFailures.add(saturating: count)
    }

    /// The breakdowns by domain.
    package var breakdowns: [String: TLSBreakdown] {
        var result = result
        for (domain, types) in reportsPerType {
            for (type, ids) in types { result[domain]?.byPolicyType[type]?.reports = Int64(ids.count) }
        }
        for (domain, reporters) in reportsPerReporter {
            for (reporter, ids) in reporters { result[domain]?.byReporter[reporter]?.reports = Int64(ids.count) }
        }
        for (domain, seen) in modes { result[domain]?.stsModesSeen = seen }
        return result
    }
}

/// TLS failure details summed per (sending MTA, result type, receiving MX, reporter).
package struct TLSFailureGroupCollector {
    private struct Key: Hashable { var ip, type, mx: String?, reporter: String }
    private var sums: [Key: Int64] = [:]

    package init() {}

    /// Adds one failure detail's sessions, already cut to the period.
    package mutating func add(
        sendingMTAIP: String?, resultType: String, receivingMX: String?, reporter: String, failedSessions: Int64
    ) {
        sums[Key(ip: sendingMTAIP, type: resultType, mx: receivingMX, reporter: reporter), default: 0].add(
            saturating: failedSessions)
    }

    /// The groups with sessions, most failed sessions first; every field of the key breaks
    /// ties, so the order never depends on hashing.
    package var sorted: [TLSFailureGroup] {
        sums.filter { $0.value > 0 }.map { key, count in
            TLSFailureGroup(
                sendingMTAIP: key.ip, resultType: key.type ?? "", receivingMX: key.mx, reporter: key.reporter,
                failedSessions: count)
        }.sorted { a, b in
            if a.failedSessions != b.failedSessions { return a.failedSessions > b.failedSessions }
            return (a.sendingMTAIP ?? "", a.resultType, a.receivingMX ?? "", a.reporter) < (
                b.sendingMTAIP ?? "", b.resultType, b.receivingMX ?? "", b.reporter
            )
        }
    }
}

/// TLS sessions per (policy domain, reporting organisation), from policy rows and then the
/// failure rows of those policies (`Policy` is how the backend names a stored policy).
package struct TLSReporterAggregateBuilder<Policy: Hashable> {
    private struct Key: Hashable { var domain, organization, contact: String }
    private var result: [Key: TLSReporterAggregate] = [:]
    private var keyOfPolicy: [Policy: Key] = [:]

    package init() {}

    /// Adds one policy of stored report `report`, its counts already cut to the period.
    package mutating func addPolicy(
        policy: Policy, report: Int64, domain: String, organization: String, contact: String, successful: Int64,
        failed: Int64
    ) {
        let key = Key(domain: domain, organization: organization, contact: contact)
        keyOfPolicy[policy] = key
        var entry =
            result[key]
            ?? TLSReporterAggregate(
                domain: domain, organization: organization, contactInfo: contact.isEmpty ? nil : contact, reports: [],
                totals: TLSTotals())
        entry.reports.insert(report)
        entry.totals.successfulSessions = entry.totals.successfulSessions.saturatingAdd(successful)
        entry.totals.failedSessions = entry.totals.failedSessions.saturatingAdd(failed)
        result[key] = entry
    }

    /// Adds one failure detail of a policy added before.
    package mutating func addFailure(policy: Policy, resultType: String, count: Int64) {
        guard let key = keyOfPolicy[policy] else { return }
        result[key]?.totals.failuresByResultType[resultType, default: 0].add(saturating: count)
    }

    /// The aggregates.
    package var aggregates: [TLSReporterAggregate] { Array(result.values) }
}

/// One domain's figures day by day over a period: the DMARC rollup's days as they are, TLS
/// sessions spread over the days of each report's counted span (docs/counting.md).
package struct DailyFiguresBuilder {
    private let period: DayPeriod
    private var days: [Int64: DailyFigures] = [:]

    package init(period: DayPeriod) { self.period = period }

    /// Adds one rollup row's sums for `day` and `disposition`.
    package mutating func addRollup(
        day: Int64, disposition: String, messages: Int64, dmarcPass: Int64, spfPass: Int64, dkimPass: Int64,
        relayed: Int64
    ) {
        days[day, default: DailyFigures(day: day)].dmarc.add(
            messages: messages, dmarcPass: dmarcPass, spfPass: spfPass, dkimPass: dkimPass, relayed: relayed,
            disposition: Disposition(rawValue: disposition))
    }

    /// Adds one TLS policy's sessions, spread over its report's counted span.
    package mutating func addTLSPolicy(span: DateRange, successful: Int64, failed: Int64) {
        for (day, count) in DaySpread.spread(count: successful, over: span) where contains(day) {
            days[day, default: DailyFigures(day: day)].tls.successfulSessions.add(saturating: count)
        }
        for (day, count) in DaySpread.spread(count: failed, over: span) where contains(day) {
            days[day, default: DailyFigures(day: day)].tls.failedSessions.add(saturating: count)
        }
    }

    /// Adds one failure detail's sessions, spread over its report's counted span.
    package mutating func addTLSFailure(span: DateRange, resultType: String, failed: Int64) {
        for (day, count) in DaySpread.spread(count: failed, over: span) where contains(day) && count > 0 {
            days[day, default: DailyFigures(day: day)].tls.failuresByResultType[resultType, default: 0].add(
                saturating: count)
        }
    }

    private func contains(_ day: Int64) -> Bool { day >= period.firstDay && day <= period.lastDay }

    /// The days with data, in order.
    package var figures: [DailyFigures] { days.values.sorted { $0.day < $1.day } }
}
