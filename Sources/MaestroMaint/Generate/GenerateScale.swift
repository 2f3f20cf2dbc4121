/// The preset sizes of `maestro-admin generate --scale`, in the manner of
/// TPC-H's scale factor: each step is a realistic data dir about 5–10×
/// bigger than the one before.
public enum GenerateScale: String, Sendable, CaseIterable {
  /// 3 projects, 30 tasks, 10 sessions: fixtures and unit tests.
  case xs
  /// 10 projects, 1,000 tasks, 250 sessions.
  case s
  /// 100 projects, 20,000 tasks, 5,000 sessions: the benchmark baseline.
  case m
  /// 1,000 projects, 200,000 tasks, 50,000 sessions.
  case l
  /// 5,000 projects, 1,000,000 tasks, 250,000 sessions.
  case xl

  /// The entity counts of this scale.
  public var counts: GeneratorOptions.Counts {
    switch self {
    case .xs: return .init(projects: 3, tasks: 30, sessions: 10)
    case .s: return .init(projects: 10, tasks: 1_000, sessions: 250)
    case .m: return .init(projects: 100, tasks: 20_000, sessions: 5_000)
    case .l: return .init(projects: 1_000, tasks: 200_000, sessions: 50_000)
    case .xl: return .init(projects: 5_000, tasks: 1_000_000, sessions: 250_000)
    }
  }
}
