import CCurl
import MaestroStorage
import Testing

@testable import MaestroMaint

/// The S3 layer without a server: addresses, URLs and the canonical query,
/// the environment, the retry policy, the XML reader and the digests; and
/// the retry loop against a port where nothing listens.
@Suite struct ObjectStoreTests {
  @Test func addressesParseIntoBucketAndKey() throws {
    let a = try S3Location(parsing: "s3://backups/maestro/nightly/")
    #expect(a.bucket == "backups" && a.key == "maestro/nightly")
    #expect(a.description == "s3://backups/maestro/nightly")
    #expect(a.appending("maestro-20261206T010203Z-0123abcd.tar.zst").key == "maestro/nightly/maestro-20261206T010203Z-0123abcd.tar.zst")
    #expect(a.appending("x").parent == a)
    #expect(a.listingPrefix == "maestro/nightly/")
    let root = try S3Location(parsing: "s3://my.bucket-1")
    #expect(root.key.isEmpty && root.listingPrefix.isEmpty && root.description == "s3://my.bucket-1")
    #expect(try S3Location(parsing: "s3://bkt/a b/ü").key == "a b/ü")
    #expect(S3Location.isObjectStoreAddress("s3://x") && !S3Location.isObjectStoreAddress("/var/backups"))
  }

  @Test(arguments: [
    "s3://", "s3:///key", "s3://ab/key", "s3://Backups/key", "s3://-bucket/key", "s3://bucket-/key",
    "s3://bu..cket/key", "s3://bucket_1/key", "s3://bucket/../etc", "s3://bucket/a/../b", "s3://bucket/a//b",
    "s3://bucket/./a", "s3://bucket/a\nb", "s3://bucket/a\u{7f}", "/var/backups", "S3://bucket/key",
  ])
  func hostileAddressesAreRefusedNamingTheAddress(_ text: String) {
    #expect {
      _ = try S3Location(parsing: text)
    } throws: { error in
      guard let error = error as? MaestroError else { return false }
      return error.code == .usage && error.path == text
    }
  }

  @Test func aKeyOver1024BytesIsRefused() {
    #expect(throws: MaestroError.self) { _ = try S3Location(parsing: "s3://bucket/" + String(repeating: "k", count: 1025)) }
    #expect(throws: Never.self) { _ = try S3Location(parsing: "s3://bucket/" + String(repeating: "k", count: 1024)) }
  }

  func configuration(endpoint: String?, region: String = "eu-west-1") -> S3Configuration {
    S3Configuration(
      region: region, endpoint: endpoint, credentials: S3Credentials(accessKeyId: "AKID", secretAccessKey: "SECRET"))
  }

  @Test func urlsArePathStyleForEndpointsAndVirtualHostForAWS() {
    let custom = configuration(endpoint: "http://127.0.0.1:8333")
    #expect(custom.url(bucket: "bkt", key: "a/b c/ü+x") == "http://127.0.0.1:8333/bkt/a/b%20c/%C3%BC%2Bx")
    #expect(custom.url(bucket: "bkt", key: "") == "http://127.0.0.1:8333/bkt")
    let aws = configuration(endpoint: nil)
    #expect(aws.url(bucket: "bkt", key: "a/b") == "https://bkt.s3.eu-west-1.amazonaws.com/a/b")
    #expect(aws.url(bucket: "bkt", key: "") == "https://bkt.s3.eu-west-1.amazonaws.com/")
    // Dotted buckets do not match the TLS wildcard: path style.
    #expect(aws.url(bucket: "my.bkt", key: "k") == "https://s3.eu-west-1.amazonaws.com/my.bkt/k")
  }

  @Test func queriesAreInCanonicalFormSortedEncodedWithEquals() {
    let c = configuration(endpoint: "http://h:1")
    #expect(
      c.url(bucket: "bkt", key: "", query: [("uploads", ""), ("prefix", "a/b c")])
        == "http://h:1/bkt?prefix=a%2Fb%20c&uploads=")
    #expect(
      c.url(bucket: "bkt", key: "k", query: [("uploadId", "x~y"), ("partNumber", "2")])
        == "http://h:1/bkt/k?partNumber=2&uploadId=x~y")
  }

  @Test func theEnvironmentGivesCredentialsRegionAndEndpoint() throws {
    let c = try S3Configuration.fromEnvironment([
      "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/",
    ])
    #expect(c.region == "us-east-1")
    #expect(c.endpoint == "http://127.0.0.1:9000")
    #expect(c.credentials.sessionToken == nil)
    #expect(!"\(c.credentials)".contains("s3cr3t") && !String(reflecting: c.credentials).contains("s3cr3t"))
    let token = try S3Configuration.fromEnvironment([
      "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok", "AWS_REGION": "eu-central-1",
    ])
    #expect(token.credentials.sessionToken == "tok" && token.region == "eu-central-1" && token.endpoint == nil)
    for bad in [
      ["AWS_SECRET_ACCESS_KEY": "s3cr3t"], ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": ""],
      ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_ENDPOINT_URL": "ftp://x"],
      ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_ENDPOINT_URL": "http://u:p@x"],
      ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_REGION": "eu west"],
    ] {
      #expect {
        _ = try S3Configuration.fromEnvironment(bad)
      } throws: { error in
        guard let error = error as? MaestroError else { return false }
        return error.code == .objectStore && !error.description.contains("s3cr3t")
      }
    }
  }

  @Test func retriesCoverServerErrorsAndThrottlingOnly() {
    let policy = S3RetryPolicy()
    for status in [500, 502, 503, 504, 429] { #expect(policy.isRetryable(status: status, code: nil)) }
    #expect(policy.isRetryable(status: 503, code: "SlowDown"))
    #expect(policy.isRetryable(status: 400, code: "RequestTimeout"))
    for status in [400, 403, 404, 409, 412] { #expect(!policy.isRetryable(status: status, code: nil)) }
    #expect(!policy.isRetryable(status: 403, code: "SignatureDoesNotMatch"))
    #expect(S3Client.isRetryable(CURLE_COULDNT_CONNECT) && S3Client.isRetryable(CURLE_OPERATION_TIMEDOUT))
    #expect(!S3Client.isRetryable(CURLE_WRITE_ERROR) && !S3Client.isRetryable(CURLE_URL_MALFORMAT))
  }

  @Test func backoffDoublesIsCappedAndJitteredWithinHalfToFull() {
    let policy = S3RetryPolicy(maxAttempts: 10, baseDelay: 0.25, maxDelay: 8)
    #expect((1...7).map { policy.ceiling(afterAttempt: $0) } == [0.25, 0.5, 1, 2, 4, 8, 8])
    #expect(policy.ceiling(afterAttempt: 1000) == 8)
    for attempt in 1...8 {
      let ceiling = policy.ceiling(afterAttempt: attempt)
      #expect(policy.delay(afterAttempt: attempt, unit: 0) == ceiling / 2)
      #expect(policy.delay(afterAttempt: attempt, unit: 1) == ceiling)
      let random = policy.delay(afterAttempt: attempt)
      #expect(random >= ceiling / 2 && random <= ceiling)
    }
    // The default waits at most about 16 s over its 6 tries.
    let standard = S3RetryPolicy()
    #expect((1..<standard.maxAttempts).map { standard.ceiling(afterAttempt: $0) }.reduce(0, +) <= 16)
  }

  @Test func anUnreachableEndpointFailsAfterTheBoundedTriesWithoutTheSecret() throws {
    var c = configuration(endpoint: "http://127.0.0.1:1")
    c.retry = S3RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.02)
    let client = try S3Client(c)
    #expect {
      _ = try client.listObjects(bucket: "bkt", prefix: "p/")
    } throws: { error in
      guard let error = error as? MaestroError else { return false }
      return error.code == .objectStore && error.message.contains("(3 tries)")
        && error.message.contains("http://127.0.0.1:1") && error.path == "s3://bkt" && !error.description.contains("SECRET")
    }
  }

  @Test func listingsAndErrorsAreReadFromTheXML() {
    let listing = S3XML(
      Array(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><IsTruncated>true</IsTruncated>\
        <Contents><Key>a/x &amp; y.tar</Key><ETag>&#34;abc&#34;</ETag><Size>6</Size></Contents>\
        <Contents><Key>a/&lt;z&gt;</Key><ETag>&quot;def&quot;</ETag><Size>7</Size></Contents>\
        <NextContinuationToken>t/1+</NextContinuationToken></ListBucketResult>
        """.utf8))
    let contents = listing.elements("Contents")
    #expect(contents.map { $0.value("Key") } == ["a/x & y.tar", "a/<z>"])
    #expect(contents.map { S3Client.unquoted($0.value("ETag") ?? "") } == ["abc", "def"])
    #expect(listing.value("IsTruncated") == "true" && listing.value("NextContinuationToken") == "t/1+")
    #expect(listing.value("Missing") == nil)
    let error = S3XML(Array("<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>".utf8))
    #expect(error.elements("Error").first?.value("Code") == "NoSuchBucket")
    #expect(S3XML.escaped("a<b>&\"c") == "a&lt;b&gt;&amp;&quot;c")
    #expect(S3Client.isoMilliseconds("2026-12-06T08:53:34.250Z") == UTCTime(year: 2026, month: 12, day: 6, hour: 8, minute: 53, second: 34).milliseconds + 250)
    #expect(S3Client.isoMilliseconds("garbage") == 0)
  }

  @Test func digestsAreMD5AndSHA256() {
    let hello = Array("hello\n".utf8)
    let digest = hello.withUnsafeBytes { PayloadDigest(of: $0) }
    #expect(digest.md5Hex == "b1946ac92492d2347c6235b4d2611184")
    #expect(digest.md5Base64 == "sZRqySSS0jR8YjW00mERhA==")
    #expect(digest.sha256Hex == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    let empty = [UInt8]().withUnsafeBytes { PayloadDigest(of: $0) }
    #expect(empty.sha256Hex == PayloadDigest.emptySHA256)
    #expect(Base64.encode(Array("f".utf8)) == "Zg==" && Base64.encode(Array("fo".utf8)) == "Zm8=" && Base64.encode(Array("foo".utf8)) == "Zm9v")
  }
}
