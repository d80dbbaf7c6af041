import ReportModel
import ReverseDNS

/// Counts what evaluating a domain's SPF record costs a receiver (RFC 7208 section 4.6.4):
/// every `include`, `a`, `mx`, `ptr`, `exists` and `redirect` met on the way is one DNS lookup
/// (limit 10); one that answers nothing is a void lookup (limit 2). Includes and redirects are
/// followed level by level, each level's questions asked together, at most 10 levels and 60
/// records; a loop is said and not followed twice.
struct SPFWalk {
    let resolver: RecordResolver
    var maxRecords = 60
    var maxDepth = 10

    func check(domain: String, reply: DNSReply) -> SPFCheck {
        let record = Self.spfLookup(reply)
        guard let root = record.value else {
            return SPFCheck(record: record, lookups: 0, voidLookups: 0, macroTerms: 0, problems: [])
        }
        var lookups = 0
        var voids = 0
        var macros = 0
        var problems: [String] = []
        var visited: Set<String> = [domain]
        var level: [SPFRecord] = [root]
        var fetched = 1
        for depth in 0..<maxDepth {
            var follow: [String] = []
            var probes: [DNSQuestion] = []
            for spf in level {
                for term in spf.lookupTerms {
                    lookups += 1
                    if term.hasMacro {
                        macros += 1
                        continue
                    }
                    guard let target = term.domain else { continue }
                    switch term.kind {
                    case .include, .redirect:
                        if visited.insert(target).inserted {
                            follow.append(target)
                        } else {
                            problems.append("\(term.kind.rawValue):\(target) is reached twice (a loop or a repeat)")
                        }
                    case .a: probes += [DNSQuestion(target, .a), DNSQuestion(target, .aaaa)]
                    case .mx: probes.append(DNSQuestion(target, .mx))
                    case .exists: probes.append(DNSQuestion(target, .a))
                    case .ptr: break
                    }
                }
            }
            let room = max(0, maxRecords - fetched)
            if follow.count > room {
                problems.append("the walk stopped after \(maxRecords) records: the count is a lower bound")
                follow = Array(follow.prefix(room))
            }
            if follow.isEmpty && probes.isEmpty { break }
            let replies = resolver.resolve(follow.map { DNSQuestion($0, .txt) } + probes)
            voids += Self.voidCount(probes, replies)
            var next: [SPFRecord] = []
            for target in follow {
                guard let reply = replies[DNSQuestion(target, .txt)] else { continue }
                switch Self.spfLookup(reply) {
                case .found(let spf):
                    next.append(spf)
                    fetched += 1
                case .absent:
                    if reply.status == .nameNotFound || reply.status == .noData { voids += 1 }
                    problems.append("\(target) has no SPF record: an include of it is a permerror")
                case .invalid(_, let problem):
                    problems.append("\(target)'s SPF record is not valid: \(problem.reason)")
                case .failed(let reason):
                    problems.append("\(target) could not be looked up (\(reason)): the count may be short")
                }
            }
            level = next
            if depth == maxDepth - 1 && !next.isEmpty {
                problems.append("includes nest deeper than \(maxDepth) levels: the count is a lower bound")
            }
            if level.isEmpty { break }
        }
        return SPFCheck(
            record: record, lookups: lookups, voidLookups: voids, macroTerms: macros,
            problems: Array(problems.prefix(20)))
    }

    /// A name answers nothing when all its questions came back NXDOMAIN or NODATA.
    static func voidCount(_ questions: [DNSQuestion], _ replies: [DNSQuestion: DNSReply]) -> Int {
        var byName: [String: [DNSReply]] = [:]
        for question in questions {
            if let reply = replies[question] { byName[question.name, default: []].append(reply) }
        }
        return byName.values.filter { replies in
            replies.allSatisfy { $0.status == .nameNotFound || $0.status == .noData }
        }.count
    }

    /// The domain's one SPF record: two or more is a permerror (RFC 7208 section 4.5).
    static func spfLookup(_ reply: DNSReply) -> Lookup<SPFRecord> {
        switch reply.status {
        case .nameNotFound, .noData: return .absent
        case .failed(let reason): return .failed(reason)
        case .found: break
        }
        let texts = reply.records.compactMap { record -> String? in
            guard case .txt(let text) = record, SPFRecord.isSPF(text) else { return nil }
            return text
        }
        guard let text = texts.first else { return .absent }
        guard texts.count == 1 else {
            return .invalid(
                text: texts.joined(separator: " | "),
                problem: RecordProblem("there are \(texts.count) SPF records: receivers return permerror"))
        }
        do {
            return .found(try SPFRecord(parsing: text))
        } catch {
            return .invalid(text: String(text.prefix(500)), problem: error)
        }
    }
}
