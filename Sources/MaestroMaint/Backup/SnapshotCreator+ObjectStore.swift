import Glibc
import MaestroStorage

extension SnapshotCreator {
  /// `create` into `s3://BUCKET/PREFIX`: the same snapshot a folder would
  /// get, streamed into a multipart upload with no local copy, memory
  /// bounded by a few parts.
  ///
  /// 1. Abort the incomplete snapshot uploads killed runs left under the
  ///    prefix (this also proves the credentials and the bucket before any
  ///    data is read).
  /// 2. Start a multipart upload of `PREFIX/<name>`; the tar stream goes
  ///    through a pipe into parts 2, 3, … as it is written, while part 1 is
  ///    held back.
  /// 3. Build the manifest; upload part 1 = the manifest's frame + the
  ///    held bytes; complete the upload. The object now exists, but is not
  ///    yet a snapshot.
  /// 4. Read it back from the store and check it against the manifest
  ///    (`SnapshotVerifier`); a mismatch deletes it.
  /// 5. Write `PREFIX/<name>.verified`, the marker that makes it a
  ///    snapshot (`ObjectStoreSnapshots`).
  ///
  /// Killed at any step, it leaves no snapshot: at most an incomplete
  /// upload (aborted by the next `create`) or an object without a marker
  /// (removed by `prune` after a day).
  func runToObjectStore(
    _ prefix: S3Location, root: String, started: Int64, startNs: Int64, clockStart: Double
  ) throws -> Report {
    let configuration = try S3Configuration.fromEnvironment()
    let store = ObjectStoreSnapshots(location: prefix, configuration: configuration)
    let aborted = try store.abortStaleUploads()
    var warnings: [String] = []
    var (started, startNs) = (started, startNs)
    let base = try chooseBase(in: store, root: root, started: &started, startNs: &startNs, warnings: &warnings)
    let tree = try SourceTree.scan(root, skipping: skippedFolders(backupFolder: nil))
    let directories = Self.changedDirectories(tree, base: base)
    let name = SnapshotName(time: started, id: SnapshotName.randomId(), compression: options.compression)
    let location = prefix.appending(name.fileName)

    let upload = try StreamedObjectUpload(
      location: location, configuration: configuration, partSize: options.objectPartSize, holdFirstPart: true,
      maxSendRate: options.uploadRateLimit)
    var uploaded = false
    defer { if !uploaded { upload.abort() } }

    var data = try streamData(tree, directories: directories, base: base, root: root, startNs: startNs, into: upload)
    let live = Self.liveState(tree: tree, root: root, records: &data.records, sawChange: data.sawChange)
    let (manifest, manifestDigest, frame) = try manifest(
      name: name, started: started, root: root, tree: tree, directories: directories, base: base, data: data,
      live: live, origin: location.description)
    try Cancellation.check()
    let result = try upload.finish(header: frame)
    uploaded = true

    let client = try S3Client(configuration)
    var kept = false
    defer { if !kept { try? client.deleteObject(bucket: location.bucket, key: location.key) } }
    let check = try SnapshotVerifier(path: location.description).run(expected: (manifestDigest, manifest))
    guard check.isVerified else {
      let first = check.problems.first.map { "\($0)" } ?? "unknown problem"
      throw MaestroError(
        .io,
        "the uploaded snapshot does not match its manifest when read back (\(check.problems.count) problem(s), first: \(first)); it was deleted",
        path: location.description)
    }
    CrashPoint.reached("backup:before-marker")
    try client.putObject(
      bucket: location.bucket, key: location.key + ObjectStoreSnapshots.markerSuffix,
      bytes: ObjectStoreSnapshots.marker(name: name, size: result.size, etag: result.etag, manifest: manifest))
    kept = true
    var report = Report(
      path: location.description, manifest: manifest, archiveBytes: result.size, torn: data.torn,
      seconds: MonotonicClock.seconds() - clockStart)
    report.abortedUploads = aborted
    report.parent = base?.path
    report.warnings = warnings
    return report
  }

  /// Writes the data members into `upload` through a pipe: libarchive
  /// writes to the pipe, a pump thread copies it into the upload's parts.
  /// A failed upload stops the readers at their next batch.
  private func streamData(
    _ tree: SourceTree, directories: [SourceTree.Directory], base: Base?, root: String, startNs: Int64,
    into upload: StreamedObjectUpload
  ) throws -> DataOutcome {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else {
      throw MaestroError.system("cannot create a pipe", path: upload.location.description)
    }
    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    let readEnd = ends[0]
    var writeEnd = ends[1]
    defer { if writeEnd >= 0 { close(writeEnd) } }
    let pump = BackgroundCall {
      defer { close(readEnd) }
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
      defer { buffer.deallocate() }
      var failure: (any Error)?
      while true {
        let n = read(readEnd, buffer.baseAddress, buffer.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        // After a failure keep draining, so that the writer never blocks.
        guard failure == nil else { continue }
        do { try upload.write(UnsafeRawBufferPointer(rebasing: buffer[..<n])) } catch { failure = error }
      }
      if let failure { throw failure }
    }
    let outcome: DataOutcome
    do {
      outcome = try writeData(
        tree, directories: directories, base: base, root: root, to: writeEnd, origin: upload.location.description, startNs: startNs,
        stop: { if let failure = upload.failure { throw failure } })
    } catch {
      close(writeEnd)
      writeEnd = -1
      try? pump.join()
      throw upload.failure ?? error
    }
    close(writeEnd)
    writeEnd = -1
    try pump.join()
    return outcome
  }
}
