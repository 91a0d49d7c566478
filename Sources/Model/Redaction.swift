/// Hides long digit runs — resident ID and account numbers — in free text that is about to be shown,
/// stored from outside or logged (an agency's reason or result, an error text, a path).
public enum Redaction {
    /// Every run of 12 or more digits (an `X` may follow the first, as in an ID's check character)
    /// keeps its first `keepingFirst` and last 4 characters; the rest become `*`.
    /// `220102196505150036` → `220102********0036`; with `keepingFirst: 0`, `***************3445`.
    public static func maskNumbers(_ text: String, keepingFirst: Int = 6) -> String {
        var result = ""
        var run = ""
        func flush() {
            if run.count >= 12 {
                let kept = min(keepingFirst, run.count - 8)
                result += run.prefix(kept) + String(repeating: "*", count: run.count - kept - 4) + run.suffix(4)
            } else {
                result += run
            }
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || ((character == "X" || character == "x") && !run.isEmpty)) {
                run.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }
}
