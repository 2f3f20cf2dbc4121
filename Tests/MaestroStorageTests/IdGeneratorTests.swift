import Testing

@testable import MaestroStorage

/// A random source that replays fixed values.
private final class ReplayRandom: RandomDoubleSource {
  let values: [Double]
  init(_ values: [Double]) { self.values = values }
  func nextDouble() -> Double { values[0] }
}

@Suite("IdGenerator")
struct IdGeneratorTests {
  @Test(arguments: [
    (0.5, "0.i"),
    (0.25, "0.9"),
    (0.1, "0.3lllllllllm"),
    (0.7, "0.p777777777"),
    (1.0 / 3.0, "0.c"),
    (0.03125, "0.14i"),
    (0.123456789, "0.4fzzzxjylrx"),
    (0.9999999999999999, "0.zzzzzzzzzza"),
    (0x1p-52, "0.0000000000t84r35w1ryi"),
    (1e-10, "0.0000007u3zudtyhc3"),
    (-0.375, "-0.di"),
    (123.456, "3f.gez4w97ry"),
    (35.99999999999999, "z.zzzzzzzzz"),
    (1e21, "5v1j4f4ds7c000"),
    (0x1p60 + 0x1p9, "8rc4kbdvssg0"),
    (0.0, "0"),
  ])
  func radix36MatchesNode(value: Double, expected: String) {
    // Expected strings are node 20's `value.toString(36)`.
    #expect(IdGenerator.javaScriptRadixString(value, radix: 36) == expected)
  }

  @Test(arguments: [
    // (bit pattern, node's toString(36)): SplitMix64(seed 12345) >> 12 * 2^-52.
    (0x3fc1_08c1_2c54_e888 as UInt64, "0.4sgyqo0tppp"),
    (0x3fca_376e_72fb_89f8, "0.7dfxalmccxo"),
    (0x3fbe_9a57_bc80_e670, "0.4axdmv3dwaf"),
    (0x3fc6_8b07_3f2e_1fa0, "0.6c8yabv66p5"),
    (0x3fe0_385c_db93_01ae, "0.i8x04bl1il"),
    (0x3fd5_91f9_56b6_4cfc, "0.c4som3e545t"),
    (0x3fbf_6622_b40c_b380, "0.4eygmf04kkx"),
    (0x3fdb_9d04_6c1a_080c, "0.fj64q2cegu6"),
    (0x3fde_b4d0_0e56_0eac, "0.h9sw4n0ljz7"),
    (0x3feb_c2bd_56b9_ca7e, "0.v8b3pd3jzxq"),
    (0x3fc7_a1d4_a021_2b88, "0.6n9x2wvwxrn"),
    (0x3fd8_55c6_ca17_02e4, "0.dos9fm1knnc"),
  ])
  func randomDoublesMatchNode(bits: UInt64, expected: String) {
    #expect(IdGenerator.javaScriptRadixString(Double(bitPattern: bits), radix: 36) == expected)
  }

  @Test func otherRadicesAndSpecialValues() {
    #expect(
      IdGenerator.javaScriptRadixString(0.1, radix: 2)
        == "0.0001100110011001100110011001100110011001100110011001101")
    #expect(IdGenerator.javaScriptRadixString(255.5, radix: 16) == "ff.8")
    #expect(IdGenerator.javaScriptRadixString(.nan, radix: 36) == "NaN")
    #expect(IdGenerator.javaScriptRadixString(-.infinity, radix: 36) == "-Infinity")
    let tiny = IdGenerator.javaScriptRadixString(.leastNonzeroMagnitude, radix: 36)
    #expect(tiny.hasPrefix("0.000") && tiny.hasSuffix("3") && tiny.utf8.count == 210)
  }

  @Test func seededRandomIsSplitMix64LikeMathRandom() {
    let random = SeededRandom(seed: 12345)
    #expect(random.nextDouble().bitPattern == 0x3fc1_08c1_2c54_e888)
    #expect(random.nextDouble().bitPattern == 0x3fca_376e_72fb_89f8)
    let again = SeededRandom(seed: 12345)
    #expect(again.nextDouble().bitPattern == 0x3fc1_08c1_2c54_e888)
  }

  @Test func makeIdIsDeterministicWithInjectedSources() {
    let ids = IdGenerator(clock: FixedClock(1_795_806_202_724), random: SeededRandom(seed: 12345))
    #expect(ids.makeId("task") == "task_1795806202724_4sgyqo0tp")
    #expect(ids.makeId("sess") == "sess_1795806202724_7dfxalmcc")
    // The seed's own examples would have come from values like these.
    let short = IdGenerator(clock: FixedClock(1_706_789_123_456), random: ReplayRandom([0.5]))
    #expect(short.makeId("proj") == "proj_1706789123456_i")
    let zero = IdGenerator(clock: FixedClock(1), random: ReplayRandom([0]))
    #expect(zero.makeId("evt") == "evt_1_")
  }

  @Test func makeIdMatchesTheServerFormat() throws {
    let pattern = try Regex(#"task_\d{13}_[0-9a-z]{1,9}"#)
    let seeded = IdGenerator(
      clock: SteppingClock(start: 1_795_806_202_724), random: SeededRandom(seed: 7))
    let system = IdGenerator()
    var nine = 0
    for _ in 0..<2000 {
      let a = seeded.makeId("task")
      let b = system.makeId("task")
      #expect(a.wholeMatch(of: pattern) != nil, "\(a)")
      #expect(b.wholeMatch(of: pattern) != nil, "\(b)")
      if a.utf8.count == "task_1795806202724_".utf8.count + 9 { nine += 1 }
    }
    // "Almost always 9" (FORMAT.md §5).
    #expect(nine > 1990)
  }

  @Test func clocks() {
    let stepping = SteppingClock(start: 100, step: 5)
    #expect(stepping.nowMilliseconds() == 100)
    #expect(stepping.nowMilliseconds() == 105)
    #expect(FixedClock(42).nowMilliseconds() == 42)
    let now = SystemClock().nowMilliseconds()
    // After 2020-01-01 and before 2100-01-01: sane epoch milliseconds.
    #expect(now > 1_577_836_800_000 && now < 4_102_444_800_000)
  }

  @Test func systemRandomIsInRangeOnTheMathRandomGrid() {
    let random = SystemRandom()
    for _ in 0..<1000 {
      let x = random.nextDouble()
      #expect(x >= 0 && x < 1)
      #expect((x * 0x1p52).rounded(.towardZero) == x * 0x1p52)
    }
  }
}
