/// A `--help` discussion written with hand-broken lines, made into text
/// that ArgumentParser prints evenly at 80 columns.
///
/// ArgumentParser wraps a discussion at the terminal's width (80 columns
/// when not a terminal), keeping the line breaks it finds; a hand-made line
/// longer than that is broken again, leaving a ragged stub. So: lines of
/// prose that follow one another are joined into one paragraph for the
/// parser to wrap; empty lines stay paragraph breaks; indented lines
/// (lists, tables) and lines starting with "- " stay lines of their own,
/// and one too long for 80 columns is wrapped here with its continuation
/// aligned under its second column (`code   description`).
func helpParagraphs(_ text: String) -> String {
  var lines: [String] = []
  var joinable = false
  for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
    let literal = line.isEmpty || line.hasPrefix(" ") || line.hasPrefix("\t")
    if !literal && !line.hasPrefix("- ") && joinable, let last = lines.popLast() {
      lines.append(last + " " + line)
    } else if literal {
      lines += wrappedTableLine(line)
    } else {
      lines.append(line)
    }
    joinable = !literal
  }
  return lines.joined(separator: "\n")
}

/// The widest line ArgumentParser keeps as it is at 80 columns.
private let helpWidth = 79

/// An indented line broken at spaces to `helpWidth`, continuations indented
/// to where its text after the first gap of two or more spaces begins.
private func wrappedTableLine(_ line: String) -> [String] {
  let chars = Array(line)
  guard chars.count > helpWidth else { return [line] }
  let lead = chars.prefix { $0 == " " }.count
  var hang = lead + 4
  var k = lead
  while k + 1 < chars.count {
    if chars[k] == " " && chars[k + 1] == " " {
      var j = k
      while j < chars.count && chars[j] == " " { j += 1 }
      if j < chars.count && j < helpWidth / 2 { hang = j }
      break
    }
    k += 1
  }
  var result: [String] = []
  var rest = chars
  var indent = 0
  while rest.count + indent > helpWidth {
    let limit = helpWidth - indent
    guard let space = rest[..<limit].lastIndex(of: " "), space > (result.isEmpty ? hang : 0) else { break }
    result.append(String(repeating: " ", count: indent) + String(rest[..<space]))
    rest = Array(rest[(space + 1)...].drop { $0 == " " })
    indent = hang
  }
  result.append(String(repeating: " ", count: indent) + String(rest))
  return result
}
