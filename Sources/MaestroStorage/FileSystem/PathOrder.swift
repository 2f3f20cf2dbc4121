/// The order in which `backup create` walks a data dir, and in which a
/// snapshot's manifest lists its files: relative paths compared byte by
/// byte as unsigned, `/` before every other byte, so that a folder's
/// content comes right after the folder's name and every path under a
/// folder `F` forms one run (everything that starts with `F/`).
public enum PathOrder {
  /// Negative, zero or positive as `a` sorts before, with or after `b`.
  public static func compare(_ a: String, _ b: String) -> Int {
    var a = a
    var b = b
    return a.withUTF8 { x in b.withUTF8 { y in compare(x, y) } }
  }

  /// Negative, zero or positive as the UTF-8 path `x` sorts before, with or
  /// after `y`.
  public static func compare(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
    let n = min(x.count, y.count)
    var i = 0
    while i < n {
      let p = x[i]
      let q = y[i]
      if p != q {
        let pp = p == UInt8(ascii: "/") ? 0 : Int(p) + 1
        let qq = q == UInt8(ascii: "/") ? 0 : Int(q) + 1
        return pp < qq ? -1 : 1
      }
      i += 1
    }
    return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
  }
}
