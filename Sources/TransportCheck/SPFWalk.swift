import ReportModel
import ReverseDNS

/// Counts what evaluating a domain's SPF record costs a receiver (RFC 7208 section 4.6.4):
/// every `include`, `a`, `mx`, `ptr`, `exists` and `redirect` met on the way is one DNS lookup
/// (limit 10), each time it is met: a record included twice is evaluated twice; one that answers
/// nothing is a void lookup (limit 2). Includes and redirects are followed level by level, each
/// level's questions asked together (each name once), at most 12 levels and 60 evaluated records;
/// an include that comes back to a record on its own path is a loop, which receivers end with
/// permerror.
struct SPFWalk {
    let resolver: RecordResolver
    var maxRecords = 60
    var maxDepth = 12
    /// Distinct questions asked for void lookups in one walk (a record may name 64 domains).
    var maxProbes = 120

    /// A record being evaluated, with the includes that led to it.
    private struct Node {
        var domain: String
        var record: SPFRecord
        var path: [String]
    }

    func check(domain: String, reply: DNSReply) -> SPFCheck {
        let record = Self.spfLookup(reply)
        guard let root = record.value else {
            return SPFCheck(record: record, lookups: 0, voidLookups: 0, macroTerms: 0, problems: [])
        }
        var lookups = 0
        var voids = 0
        var macros = 0
        var problems: [String] = []
        var permanentError: String?
        var answers: [DNSQuestion: DNSReply] = [:]
        var level = [Node(domain: domain, record: root, path: [domain])]
        var evaluated = 1
        func note(_ problem: String) { if !problems.contains(problem) { problems.append(problem) } }
        for depth in 0..<maxDepth {
            var follow: [(target: String, path: [String])] = []
            // The questions of each term that may answer nothing: a term is void when all its answers are.
            var probes: [[DNSQuestion]] = []
            for node in level {
                for term in node.record.lookupTerms {
                    lookups += 1
                    if term.hasMacro {
                        macros += 1
                        continue
                    }
                    // A bare `a` or `mx` means the domain of the record it is in.
                    let target = term.domain ?? (term.kind == .a || term.kind == .mx ? node.domain : nil)
                    guard let target else { continue }
                    switch term.kind {
                    case .include, .redirect:
                        if node.path.contains(target) {
                            let problem =
                                "\(term.kind.rawValue):\(target) in \(node.domain)'s record comes back to a record "
                                + "that led to it: receivers run past 10 lookups (permerror)"
                            note(problem)
                            permanentError = permanentError ?? problem
                        } else {
                            follow.append((target, node.path + [target]))
                        }
                    case .a: probes.append([DNSQuestion(target, .a), DNSQuestion(target, .aaaa)])
                    case .mx: probes.append([DNSQuestion(target, .mx)])
                    case .exists: probes.append([DNSQuestion(target, .a)])
                    case .ptr: break
                    }
                }
            }
            let room = max(0, maxRecords - evaluated)
            if follow.count > room {
                note("the walk stopped after \(maxRecords) records: the count is a lower bound")
                follow = Array(follow.prefix(room))
            }
            if follow.isEmpty && probes.isEmpty { break }
            // Each name asked once however often it is met; answers kept for the levels below.
            var asking = Set(follow.map { DNSQuestion($0.target, .txt) })
            var probeBudget = maxProbes - answers.count
            for group in probes where probeBudget >= group.count {
                for question in group where answers[question] == nil && asking.insert(question).inserted {
                    probeBudget -= 1
                }
            }
            let fresh = resolver.resolve(Array(asking.filter { answers[$0] == nil }))
            answers.merge(fresh) { first, _ in first }
            voids += probes.filter { Self.isVoid($0, answers) }.count
            if probes.contains(where: { group in group.contains { answers[$0] == nil } }) {
                note("only the first \(maxProbes) void-lookup questions were asked: the void count is a lower bound")
            }
            var next: [Node] = []
            for (target, path) in follow {
                guard let reply = answers[DNSQuestion(target, .txt)] else { continue }
                switch Self.spfLookup(reply) {
                case .found(let spf):
                    next.append(Node(domain: target, record: spf, path: path))
                    evaluated += 1
                case .absent:
                    if reply.status == .nameNotFound || reply.status == .noData { voids += 1 }
                    let problem = "\(target) has no SPF record: an include of it is a permerror"
                    note(problem)
                    permanentError = permanentError ?? problem
                case .invalid(_, let problem):
                    let said = "\(target)'s SPF record is not valid (a permerror): \(problem.reason)"
                    note(said)
                    permanentError = permanentError ?? said
                case .failed(let reason):
                    note("\(target) could not be looked up (\(reason)): the count may be short")
                }
            }
            level = next
            if depth == maxDepth - 1 && !next.isEmpty {
                note("includes nest deeper than \(maxDepth) levels: the count is a lower bound")
            }
            if level.isEmpty { break }
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
