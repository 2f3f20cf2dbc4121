#if canImport(Glibc)
  import Glibc

  // glibc's, not in the Glibc module.
  @_silgen_name("malloc_trim")
  private func mallocTrim(_ pad: Int) -> Int32
#endif

/// The process's own heap.
enum ProcessMemory {
  /// Hands the heap's free pages back to the system (`malloc_trim(0)` on
  /// glibc), so that a phase that allocated and freed a lot (a full check,
  /// a scan) does not leave its high-water mark in the resident set of the
  /// phases after it. A no-op elsewhere.
  static func returnFreePages() {
    #if canImport(Glibc)
      _ = mallocTrim(0)
    #endif
  }
}
