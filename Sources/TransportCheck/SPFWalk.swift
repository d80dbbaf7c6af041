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
    /// Questions asked for void lookups in one walk (a record may name 64 domains).
    var maxProbes = 120

    func check(domain: String, reply: DNSReply) -> SPFCheck {
        let record = Self.spfLookup(reply)
        guard let root = record.value else {
            return SPFCheck(record: record, lookups: 0, voidLookups: 0, macroTerms: 0, problems: [])
        }
        var lookups = 0
        var voids = 0
        var macros = 0
        var probed = 0
        var problems: [String] = []
        var permanentError: String?
        var visited: Set<String> = [domain]
        var level: [(domain: String, record: SPFRecord)] = [(domain, root)]
        var fetched = 1
        for depth in 0..<maxDepth {
            var follow: [String] = []
            // The questions of each term that may answer nothing: a term is void when all its answers are.
            var probes: [[DNSQuestion]] = []
            func probe(_ questions: [DNSQuestion]) {
                guard probed + questions.count <= maxProbes else { return }
                probed += questions.count
                probes.append(questions)
            }
            for (owner, spf) in level {
                for term in spf.lookupTerms {
                    lookups += 1
                    if term.hasMacro {
                        macros += 1
                        continue
                    }
                    // A bare `a` or `mx` means the domain of the record it is in.
                    let target = term.domain ?? (term.kind == .a || term.kind == .mx ? owner : nil)
                    guard let target else { continue }
                    switch term.kind {
                    case .include, .redirect:
                        if visited.insert(target).inserted {
                            follow.append(target)
                        } else {
                            problems.append("\(term.kind.rawValue):\(target) is reached twice (a loop or a repeat)")
                        }
                    case .a: probe([DNSQuestion(target, .a), DNSQuestion(target, .aaaa)])
                    case .mx: probe([DNSQuestion(target, .mx)])
                    case .exists: probe([DNSQuestion(target, .a)])
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
            let replies = resolver.resolve(follow.map { DNSQuestion($0, .txt) } + probes.flatMap { $0 })
            voids += probes.filter { Self.isVoid($0, replies) }.count
            var next: [(domain: String, record: SPFRecord)] = []
            for target in follow {
                guard let reply = replies[DNSQuestion(target, .txt)] else { continue }
                switch Self.spfLookup(reply) {
                case .found(let spf):
                    next.append((target, spf))
                    fetched += 1
                case .absent:
                    if reply.status == .nameNotFound || reply.status == .noData { voids += 1 }
                    let problem = "\(target) has no SPF record: an include of it is a permerror"
                    problems.append(problem)
                    permanentError = permanentError ?? problem
                case .invalid(_, let problem):
                    let said = "\(target)'s SPF record is not valid (a permerror): \(problem.reason)"
                    problems.append(said)
                    permanentError = permanentError ?? said
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
        if probed >= maxProbes {
            problems.append(
                "only the first \(maxProbes) void-lookup questions were asked: the void count is a lower bound")
        }
        return SPFCheck(
            record: record, lookups: lookups, voidLookups: voids, macroTerms: macros,
            problems: Array(problems.prefix(20)), permanentError: permanentError)
    }

    /// A term's lookup is void when every one of its questions came back NXDOMAIN or NODATA.
    static func isVoid(_ questions: [DNSQuestion], _ replies: [DNSQuestion: DNSReply]) -> Bool {
        questions.allSatisfy { question in
            guard let reply = replies[question] else { return false }
            return reply.status == .nameNotFound || reply.status == .noData
        }
    }

    /// The domain's one SPF record: two or more is a permerror (RFC 7208 section 4.5).
    static func spfLookup(_ reply: DNSReply) -> Lookup<SPFRecord> {
        TransportChecker.txtLookup(
            reply, isOurs: SPFRecord.isSPF, parse: SPFRecord.init(parsing:),
            many: { "there are \($0) SPF records: receivers return permerror" })
    }
}
