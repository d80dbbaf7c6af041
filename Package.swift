// swift-tools-version:6.0
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

// Linux only (Debian 12 and later): the code uses glibc (`mallopt`, `st_mtim`, open file
// description locks) and Debian's system libraries; no other platform is built or tested.
let package = Package(
    name: "MailTally",
    products: [
        .executable(name: "mailtally", targets: ["mailtally"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
    ],
    targets: [
        // C libraries, reached only from ReportIngest.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CZlibShim", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // c-ares, reached only from ReverseDNS (`mailtally enrich`): nothing else touches the network.
        .systemLibrary(name: "CCAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),

        // Pure Sendable values: reports, records, results, date ranges.
        .target(name: "ReportModel", swiftSettings: settings),

        // Bytes to reports: containers (gzip, zlib, our own zip reader), DMARC XML (libxml2),
        // TLS-RPT JSON, mailboxes and MIME.
        .target(
            name: "ReportIngest",
            dependencies: [
                "ReportModel", "CLibXML2", "CZlibShim",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),

        // The store as commands see it: protocols in the model's types, the records ingest writes,
        // and the rules every backend shares (duplicates, input state, the day spread). No SQL.
        .target(name: "ReportStore", dependencies: ["ReportModel"], swiftSettings: settings),

        // The SQLite backend of the store, over GRDB (with a C-API fast path for bulk inserts):
        // the only code that speaks SQL.
        .target(
            name: "SQLiteStore",
            dependencies: [
                "ReportModel", "ReportStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: settings
        ),

        // The PostgreSQL backend, over postgres-nio: where `postgres://` URLs point, the password
        // sources every PostgreSQL tool reads, TLS with certificate checks, its own schema and
        // SQL, `COPY` for bulk rows, retried transactions for concurrent writers.
        .target(
            name: "PostgresStore",
            dependencies: [
                "ReportModel", "ReportStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),

        // Opens the store `--db` names: the one place that knows every backend.
        .target(
            name: "StoreBackends", dependencies: ["ReportModel", "ReportStore", "SQLiteStore", "PostgresStore"],
            swiftSettings: settings),

        // The mail protocols MailTally speaks on the network, written small on swift-nio and
        // swift-nio-ssl: a connection with TLS and STARTTLS, and an IMAP client with its
        // response parser (fuzzed).
        .target(
            name: "MailNetwork",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: settings
        ),

        // Pure analysis: source resolution (source map, Public Suffix List, catalogue), classes, correlation.
        .target(name: "ReportAnalysis", dependencies: ["ReportModel"], swiftSettings: settings),

        // DNS over c-ares: reverse DNS with forward confirmation for `mailtally enrich`, and the
        // record queries (MX, TXT, TLSA with the AD bit) of `mailtally check`.
        .target(
            name: "ReverseDNS", dependencies: ["ReportModel", "ReportAnalysis", "CCAres"], swiftSettings: settings),

        // The live transport check of `mailtally check`: DNS records, the MTA-STS policy over
        // HTTPS (async-http-client), a STARTTLS probe of each MX (MailNetwork), the certificate
        // chain checked with swift-certificates and DANE.
        .target(
            name: "TransportCheck",
            dependencies: [
                "ReportModel", "ReportAnalysis", "ReverseDNS", "MailNetwork",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: settings
        ),

        // Summaries, correlations and the stakeholder pack in text, Markdown, CSV and JSON.
        .target(name: "ReportRendering", dependencies: ["ReportModel", "ReportAnalysis"], swiftSettings: settings),

        // Commands and the ingest pipeline; the executable is a thin shell around it.
        .target(
            name: "MailTallyCLI",
            dependencies: [
                "ReportModel", "ReportIngest", "ReportStore", "StoreBackends", "ReportAnalysis", "ReportRendering",
                "ReverseDNS", "MailNetwork", "TransportCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"), .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(name: "mailtally", dependencies: ["MailTallyCLI"], swiftSettings: settings),

        // libFuzzer harness for the parsers (scripts/fuzz); a no-op in ordinary builds.
        .executableTarget(
            name: "MailTallyFuzz",
            dependencies: ["ReportModel", "ReportIngest", "ReportStore", "ReverseDNS", "MailNetwork"],
            swiftSettings: settings),

        // Tests. TestSupport makes fixtures with real tools (gzip, Python's zipfile and mailbox).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: settings),
        .testTarget(
            name: "ReportIngestTests", dependencies: ["ReportIngest", "ReportModel", "TestSupport"],
            swiftSettings: settings),
        .testTarget(
            name: "ReportStoreTests",
            dependencies: [
                "ReportStore", "SQLiteStore", "StoreBackends", "ReportModel", "ReportIngest", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: settings),
        .testTarget(name: "ReportModelTests", dependencies: ["ReportModel"], swiftSettings: settings),
        .testTarget(
            name: "PostgresStoreTests", dependencies: ["PostgresStore", "ReportStore", "TestSupport"],
            swiftSettings: settings),
        .testTarget(name: "MailNetworkTests", dependencies: ["MailNetwork"], swiftSettings: settings),
        .testTarget(
            name: "TransportCheckTests", dependencies: ["TransportCheck", "ReportModel", "TestSupport"],
            swiftSettings: settings),
        .testTarget(
            name: "ReportRenderingTests", dependencies: ["ReportRendering", "ReportAnalysis", "ReportModel"],
            swiftSettings: settings),
        .testTarget(
            name: "ReportAnalysisTests", dependencies: ["ReportAnalysis", "ReportModel", "TestSupport"],
            swiftSettings: settings),
        .testTarget(
            name: "ReverseDNSTests", dependencies: ["ReverseDNS", "ReportModel", "TestSupport"], swiftSettings: settings
        ),
        .testTarget(
            name: "MailTallyCLITests",
            dependencies: [
                "MailTallyCLI", "ReverseDNS", "ReportStore", "StoreBackends", "SQLiteStore", "ReportModel",
                "ReportIngest",
                "ReportAnalysis", "ReportRendering", "TestSupport",
            ],
            exclude: ["Golden"],
            swiftSettings: settings
        ),
    ]
)
