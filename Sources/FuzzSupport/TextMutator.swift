import Foundation

/// Seeded mutations of line-based files (nccl-tests logs, CSVs): a cell or a
/// whitespace-separated field replaced by an extreme or hostile value, lines
/// deleted, duplicated, repeated or cut short, the file truncated or emptied, bytes
/// that are not UTF-8.
public struct TextMutator {
    /// How fields are separated: `,` for CSV, runs of blanks for nccl-tests' columns.
    public enum Separator: Sendable {
        case comma, whitespace
    }

    public enum Kind: String, CaseIterable, Sendable {
        case extremeField, hostileField, deleteLine, duplicateLine, repeatLines, truncateLine, truncateFile,
             swapFields, dropField, extraField, emptyFile, invalidUTF8, headerOnly, blankLines
    }

    public var separator: Separator

    public init(separator: Separator) { self.separator = separator }

    /// Applies `count` mutations; returns the file's bytes and a line per mutation.
    public func mutate(_ text: String, count: Int, random: inout FuzzRandom) -> (Data, [String]) {
        var lines = text.components(separatedBy: "\n")
        var notes: [String] = []
        var tail = Data()
        for _ in 0..<count {
            let kind = random.pick(Kind.allCases)
            let dataLines = lines.indices.filter { !lines[$0].hasPrefix("#") && !lines[$0].trimmingCharacters(in: .whitespaces).isEmpty }
            let target = dataLines.isEmpty ? random.below(max(lines.count, 1)) : random.pick(dataLines)
            if lines.isEmpty { lines = [""] }
            switch kind {
            case .extremeField, .hostileField, .swapFields, .dropField, .extraField:
                var fields = split(lines[target])
                guard !fields.isEmpty else { notes.append("line \(target + 1) has no field"); continue }
                let i = random.below(fields.count)
                switch kind {
                case .extremeField, .hostileField:
                    var value = random.pick(kind == .extremeField ? HostileValues.numbers : HostileValues.strings)
                    if separator == .whitespace { value = value.replacingOccurrences(of: " ", with: "_") }
                    fields[i] = value
                    notes.append("line \(target + 1) field \(i + 1) = \(value.debugDescription.prefix(80))")
                case .swapFields:
                    let j = random.below(fields.count)
                    fields.swapAt(i, j)
                    notes.append("line \(target + 1) fields \(i + 1) and \(j + 1) swapped")
                case .dropField:
                    fields.remove(at: i)
                    notes.append("line \(target + 1) field \(i + 1) dropped")
                default:
                    fields.insert(random.pick(HostileValues.numbers), at: i)
                    notes.append("line \(target + 1) field inserted at \(i + 1)")
                }
                lines[target] = join(fields)
            case .deleteLine:
                lines.remove(at: target)
                notes.append("line \(target + 1) deleted")
            case .duplicateLine:
                lines.insert(lines[target], at: target)
                notes.append("line \(target + 1) duplicated")
            case .repeatLines:
                let times = random.pick([100, 10_000, 200_000])
                lines.insert(contentsOf: Array(repeating: lines[target], count: times), at: target)
                notes.append("line \(target + 1) repeated \(times) times")
            case .truncateLine:
                let line = lines[target]
                lines[target] = String(line.prefix(random.below(line.count + 1)))
                notes.append("line \(target + 1) cut to \(lines[target].count) characters")
            case .truncateFile:
                let keep = random.below(lines.count + 1)
                lines = Array(lines.prefix(keep))
                notes.append("file cut to \(keep) lines")
            case .emptyFile:
                lines = []
                notes.append("file emptied")
            case .invalidUTF8:
                tail = Data([0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x0A])
                notes.append("invalid UTF-8 bytes appended")
            case .headerOnly:
                lines = lines.filter { $0.hasPrefix("#") || !$0.contains(where: \.isNumber) }
                notes.append("only comments and header kept")
            case .blankLines:
                lines.insert(contentsOf: ["", "   ", "\t", "\r"], at: target)
                notes.append("blank lines inserted at \(target + 1)")
            }
        }
        var data = Data(lines.joined(separator: "\n").utf8)
        data.append(tail)
        return (data, notes)
    }

    private func split(_ line: String) -> [String] {
        switch separator {
        case .comma: return line.components(separatedBy: ",")
        case .whitespace: return line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
    }

    private func join(_ fields: [String]) -> String {
        switch separator {
        case .comma: return fields.joined(separator: ",")
        case .whitespace: return fields.map { $0.count < 10 ? String(repeating: " ", count: 10 - $0.count) + $0 : " " + $0 }.joined()
        }
    }
}
