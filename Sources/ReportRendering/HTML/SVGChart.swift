import Foundation
import ReportAnalysis
import ReportModel

/// One series of a chart over days: a value per day (nil where there is nothing to plot).
struct ChartSeries {
    var name: String
    var color: String
    var values: [Double?]
}

/// Inline SVG charts drawn by our code. Every plotted value is an element of class `point`
/// with `data-series`, `data-day` and `data-value`, and a `<title>` for hover text; each chart
/// is a `<figure class="chart" data-points="N">`, so a DOM dump can count them.
enum SVGChart {
    static let width = 720.0
    static let height = 240.0
    static let left = 56.0
    static let right = 48.0
    static let top = 14.0
    static let bottom = 30.0

    /// Bars per day, the series stacked bottom to top; an optional rate (0…1) drawn as a line on
    /// a right-hand percentage axis.
    /// - Parameter monthly: each "day" is the first day of a month, labelled `YYYY-MM`.
    static func stackedBars(
        into html: inout HTMLWriter, id: String, title: String, days: [Int64], series: [ChartSeries], unit: String,
        rate: ChartSeries? = nil,
        monthly: Bool = false
    ) {
        let totals = days.indices.map { index in series.reduce(0.0) { $0 + ($1.values[index] ?? 0) } }
        let points =
            series.reduce(0) { $0 + $1.values.compactMap { $0 }.count } + (rate?.values.compactMap { $0 }.count ?? 0)
        figure(into: &html, id: id, title: title, points: points, legend: series + (rate.map { [$0] } ?? [])) { svg in
            guard !days.isEmpty else { return }
            // Counts: four whole steps, never 12.5 sessions.
            let maximum = 4 * max(1, niceCeiling((totals.max() ?? 0) / 4))
            yAxis(into: &svg, maximum: maximum, unit: unit)
            if rate != nil { percentAxis(into: &svg) }
            xAxis(into: &svg, days: days, monthly: monthly)
            let slot = plotWidth / Double(days.count)
            let barWidth = max(1, slot * 0.7)
            for (index, day) in days.enumerated() {
                var base = 0.0
                for one in series {
                    guard let value = one.values[index] else { continue }
                    let y0 = y(base, maximum)
                    let y1 = y(base + value, maximum)
                    base += value
                    svg.element(
                        "rect",
                        point(one.name, day, value) + [
                            ("x", format(left + slot * Double(index) + (slot - barWidth) / 2)), ("y", format(y1)),
                            ("width", format(barWidth)), ("height", format(max(0, y0 - y1))), ("fill", one.color),
                        ]
                    ) {
                        $0.element(
                            "title", text: "\(label(day, monthly: monthly)) \(one.name): \(shown(value)) \(unit)")
                    }
                }
            }
            if let rate { line(into: &svg, days: days, series: rate, maximum: 1, percent: true) }
        }
    }

    /// Lines over days on a 0–100% axis (values are rates, 0…1).
    static func rateLines(
        into html: inout HTMLWriter, id: String, title: String, days: [Int64], series: [ChartSeries],
        monthly: Bool = false
    ) {
        let points = series.reduce(0) { $0 + $1.values.compactMap { $0 }.count }
        figure(into: &html, id: id, title: title, points: points, legend: series) { svg in
            guard !days.isEmpty else { return }
            yAxis(into: &svg, maximum: 1, unit: "%")
            xAxis(into: &svg, days: days, monthly: monthly)
            for one in series { line(into: &svg, days: days, series: one, maximum: 1, percent: true) }
        }
    }

    /// Horizontal bars, one per item, biggest first, each in its own colour.
    static func horizontalBars(
        into html: inout HTMLWriter, id: String, title: String,
        items: [(label: String, value: Double, color: String, group: String)],
        legend: [ChartSeries], unit: String
    ) {
        let rowHeight = 24.0
        let chartHeight = top + bottom + rowHeight * Double(max(items.count, 1))
        figure(into: &html, id: id, title: title, points: items.count, legend: legend, height: chartHeight, wide: true)
        { svg in
            guard !items.isEmpty else { return }
            let labelWidth = 200.0
            let maximum = niceCeiling(items.map(\.value).max() ?? 0)
            let barSpace = width - labelWidth - right
            for (index, item) in items.enumerated() {
                let rowTop = top + rowHeight * Double(index)
                svg.element(
                    "text",
                    [
                        ("x", format(labelWidth - 8)), ("y", format(rowTop + rowHeight * 0.65)), ("text-anchor", "end"),
                        ("class", "label"),
                    ],
                    text: item.label.count > 30 ? String(item.label.prefix(29)) + "…" : item.label)
                let barLength = maximum > 0 ? barSpace * item.value / maximum : 0
                svg.element(
                    "rect",
                    point(item.group, nil, item.value) + [
                        ("data-label", item.label), ("x", format(labelWidth)), ("y", format(rowTop + 4)),
                        ("width", format(barLength)),
                        ("height", format(rowHeight - 8)), ("fill", item.color),
                    ]
                ) { $0.element("title", text: "\(item.label) (\(item.group)): \(shown(item.value)) \(unit)") }
                svg.element(
                    "text",
                    [
                        ("x", format(labelWidth + barLength + 4)), ("y", format(rowTop + rowHeight * 0.65)),
                        ("class", "value"),
                    ],
                    text: shown(item.value))
            }
        }
    }

    // MARK: Parts

    private static var plotWidth: Double { width - left - right }
    private static var plotHeight: Double { height - top - bottom }

    private static func y(_ value: Double, _ maximum: Double) -> Double {
        top + plotHeight * (1 - (maximum > 0 ? min(value / maximum, 1) : 0))
    }

    private static func figure(
        into html: inout HTMLWriter, id: String, title: String, points: Int, legend: [ChartSeries],
        height chartHeight: Double = height,
        wide: Bool = false, draw: (inout HTMLWriter) -> Void
    ) {
        html.element("figure", [("class", wide ? "chart wide" : "chart"), ("id", id), ("data-points", "\(points)")]) {
            figure in
            figure.element("figcaption", text: title)
            guard points > 0 else {
                figure.element("p", [("class", "empty")], text: "No data in this period.")
                return
            }
            figure.element(
                "svg",
                [
                    ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(format(width)) \(format(chartHeight))"),
                    ("role", "img"),
                    ("aria-label", title), ("preserveAspectRatio", "xMidYMid meet"),
                ]
            ) { draw(&$0) }
            figure.element("ul", [("class", "legend")]) { list in
                for one in legend {
                    list.element("li") { item in
                        item.element("span", [("class", "swatch"), ("style", "background:\(one.color)")])
                        item.text(one.name)
                    }
                }
            }
        }
    }

    private static func point(_ series: String, _ day: Int64?, _ value: Double) -> [(String, String)] {
        var attributes = [("class", "point"), ("data-series", series)]
        if let day { attributes.append(("data-day", DayPeriod.isoDate(ofDay: day))) }
        attributes.append(("data-value", number(value)))
        return attributes
    }

    private static func line(
        into svg: inout HTMLWriter, days: [Int64], series: ChartSeries, maximum: Double, percent: Bool
    ) {
        let slot = plotWidth / Double(days.count)
        func x(_ index: Int) -> Double { left + slot * (Double(index) + 0.5) }
        // Gaps where a day has no value break the line.
        var runs: [[(Double, Double)]] = [[]]
        for (index, value) in series.values.enumerated() {
            if let value {
                runs[runs.count - 1].append((x(index), y(value, maximum)))
            } else if !(runs.last?.isEmpty ?? true) {
                runs.append([])
            }
        }
        for run in runs where run.count > 1 {
            svg.empty(
                "polyline",
                [
                    ("points", run.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " ")), ("fill", "none"),
                    ("stroke", series.color), ("stroke-width", "2"),
                ])
        }
        for (index, value) in series.values.enumerated() {
            guard let value else { continue }
            let shown = percent ? Percent.format(value) : number(value)
            let monthly = days.count > 1 && days[1] - days[0] >= 28
            svg.element(
                "circle",
                point(series.name, days[index], percent ? (value * 1000).rounded() / 1000 : value) + [
                    ("cx", format(x(index))), ("cy", format(y(value, maximum))), ("r", days.count > 40 ? "2" : "3.5"),
                    ("fill", series.color),
                ]
            ) { $0.element("title", text: "\(label(days[index], monthly: monthly)) \(series.name): \(shown)") }
        }
    }

    private static func yAxis(into svg: inout HTMLWriter, maximum: Double, unit: String) {
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let yy = y(value, maximum)
            svg.empty(
                "line",
                [
                    ("x1", format(left)), ("x2", format(width - right)), ("y1", format(yy)), ("y2", format(yy)),
                    ("class", "grid"),
                ])
            svg.element(
                "text", [("x", format(left - 6)), ("y", format(yy + 4)), ("text-anchor", "end"), ("class", "axis")],
                text: unit == "%"
                    ? "\(Int((value * 100).rounded()))%"
                    : value.rounded() == value && abs(value) < 1e15 ? Count.grouped(Int64(value)) : number(value))
        }
    }

    private static func percentAxis(into svg: inout HTMLWriter) {
        for step in 0...4 {
            let yy = y(Double(step) / 4, 1)
            svg.element(
                "text", [("x", format(width - right + 6)), ("y", format(yy + 4)), ("class", "axis")],
                text: "\(step * 25)%")
        }
    }

    /// A day as an axis or hover label: `2026-11-28`, or `2026-11` for a month.
    static func label(_ day: Int64, monthly: Bool) -> String {
        let date = DayPeriod.isoDate(ofDay: day)
        return monthly ? String(date.prefix(7)) : date
    }

    /// Labels `MM-DD` within one year; whole dates when the period crosses a year (a chart
    /// must never put December after January without saying so); `YYYY-MM` for months.
    private static func xAxis(into svg: inout HTMLWriter, days: [Int64], monthly: Bool = false) {
        let slot = plotWidth / Double(days.count)
        // At most about eight labels: every k-th day, and the last day unless a label is close by.
        let every = max(1, Int((Double(days.count) / 8).rounded(.up)))
        let last = days.count - 1
        var labelled = Array(stride(from: 0, through: last, by: every))
        if let previous = labelled.last, previous != last {
            if last - previous <= every / 2 { labelled.removeLast() }
            labelled.append(last)
        }
        let crossesYear = DayPeriod.isoDate(ofDay: days[0]).prefix(4) != DayPeriod.isoDate(ofDay: days[last]).prefix(4)
        for index in labelled {
            let day = days[index]
            let date = DayPeriod.isoDate(ofDay: day)
            let text = monthly ? String(date.prefix(7)) : crossesYear ? date : String(date.dropFirst(5))
            svg.element(
                "text",
                [
                    ("x", format(left + slot * (Double(index) + 0.5))), ("y", format(height - 10)),
                    ("text-anchor", "middle"), ("class", "axis"),
                ],
                text: text)
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `value` (1 for nothing).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    /// A value as the chart's text shows it: whole counts with thousands separators.
    static func shown(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? Count.grouped(Int64(value)) : number(value)
    }

    /// A value as `data-value` holds it (plain, as in the CSV files).
    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.1f", value)
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
