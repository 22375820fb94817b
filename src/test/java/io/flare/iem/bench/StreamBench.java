package io.flare.iem.bench;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.flare.iem.v1.CheckCredentialRequest;
import io.flare.iem.v1.CheckCredentialResponse;
import io.flare.iem.v1.CheckCredentialsRequest;
import io.flare.iem.v1.CheckCredentialsResponse;
import io.flare.iem.v1.CheckOutcome;
import io.flare.iem.v1.CredentialCheckServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bulk (issue 15, part 2): one {@code CheckCredentials} stream of {@code leaks} leaks spread over
 * the benchmark's tenants, 99 % naming no identity (NOT_FOUND) and 1 % an identity that passes
 * every gate (a wrong password: Okta is asked), sent as fast as the stream's flow control lets
 * ({@code isReady}); leaks per second and the service JVM's peak heap. Beside it, in the same run:
 * a bare batched insert of the same check rows into {@code credential_checks} (the ceiling: client
 * ids, 1,000 rows per statement, two in flight), and the unary NOT_FOUND rate (128 in flight).
 */
final class StreamBench {

  record Result(int leaks, int answered, int errors, Map<CheckOutcome, Integer> outcomes, double seconds,
      long peakHeapBytes, long peakHeapAfterGcBytes, double ceilingPerSecond, double unaryNotFoundPerSecond) {
    double perSecond() {
      return answered / seconds;
    }
  }

  private StreamBench() {}

  static String describe(Result r) {
    return String.format(Locale.ROOT, "CheckCredentials stream of %,d leaks: %,d answered in %.1f s, %,.0f leaks/s,"
        + " errors %d, outcomes %s, peak heap %d MB (%d MB after GC); bare batched insert of the same check rows"
        + " %,.0f rows/s (ratio %.2f, target >= 0.5); unary NOT_FOUND %,.0f/s (ratio %.2f, target >= 5)", r.leaks(),
        r.answered(), r.seconds(), r.perSecond(), r.errors(), r.outcomes(), r.peakHeapBytes() >> 20,
        r.peakHeapAfterGcBytes() >> 20, r.ceilingPerSecond(), r.perSecond() / r.ceilingPerSecond(),
        r.unaryNotFoundPerSecond(), r.perSecond() / r.unaryNotFoundPerSecond());
  }

  static Result run(BenchEnv env, ManagedChannel channel,
      CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub unary, int leaks, List<String[]> oktaUsers,
      int seconds) throws Exception {
    double unaryRate = unaryNotFound(unary, seconds);
    HeapWatch.reset();
    long start = System.nanoTime();
    int[] counts = Profiler.around("checkcredentials-stream", () -> stream(channel, leaks, oktaUsers));
    double elapsed = (System.nanoTime() - start) / 1e9;
    HeapWatch.Peaks heap = HeapWatch.peaks();
    Map<CheckOutcome, Integer> outcomes = new EnumMap<>(CheckOutcome.class);
    for (CheckOutcome o : CheckOutcome.values()) {
      if (o != CheckOutcome.UNRECOGNIZED && counts[2 + o.getNumber()] > 0) {
        outcomes.put(o, counts[2 + o.getNumber()]);
      }
    }
    Pool pool = env.pool(2);
    try {
      double ceiling = bareInsert(pool, leaks);
      return new Result(leaks, counts[0], counts[1], outcomes, elapsed, heap.used(), heap.afterGc(), ceiling,
          unaryRate);
    } finally {
      pool.close();
    }
  }

  /** Sends every leak on one stream, as fast as it is ready; {answered, errors, count per outcome number...}. */
  private static int[] stream(ManagedChannel channel, int leaks, List<String[]> oktaUsers) throws Exception {
    int[] counts = new int[2 + 16];
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger nextLeak = new AtomicInteger();
    ClientResponseObserver<CheckCredentialsRequest, CheckCredentialsResponse> observer = new ClientResponseObserver<>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<CheckCredentialsRequest> requests) {
        requests.setOnReadyHandler(() -> {
          while (requests.isReady()) {
            int i = nextLeak.getAndIncrement();
            if (i >= leaks) {
              if (i == leaks) {
                requests.onCompleted();
              }
              return;
            }
            requests.onNext(leak(i, oktaUsers));
          }
        });
      }

      @Override
      public void onNext(CheckCredentialsResponse r) {
        synchronized (counts) {
          if (r.hasError()) {
            counts[1]++;
          } else {
            counts[0]++;
            counts[2 + Math.min(15, r.getCheck().getOutcomeValue())]++;
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        t.printStackTrace(); // the stream itself failed: the benchmark says so
        done.countDown();
      }

      @Override
      public void onCompleted() {
        done.countDown();
      }
    };
    CredentialCheckServiceGrpc.newStub(channel).checkCredentials(observer);
    if (!done.await(30, TimeUnit.MINUTES)) {
      throw new IllegalStateException("the stream did not end within 30 minutes");
    }
    synchronized (counts) {
      return counts.clone();
    }
  }

  /** Leak {@code i}: every 100th (from the 50th) an identity that reaches Okta, while there are some; else nobody. */
  private static CheckCredentialsRequest leak(int i, List<String[]> oktaUsers) {
    int okta = i / 100;
    if (i % 100 == 50 && okta < oktaUsers.size()) {
      String[] user = oktaUsers.get(okta);
      return CheckCredentialsRequest.newBuilder().setTenantId(user[0]).setUsername(user[1])
          .setPassword("Wrong-stream-" + i).setRequestId("stream-" + i).build();
    }
    return CheckCredentialsRequest.newBuilder().setTenantId(TenantsBench.tenant(i % OktaChecksBench.ORGS))
        .setUsername("nobody-" + i + "@elsewhere.example").setPassword("Leaked-" + i).setRequestId("stream-" + i).build();
  }

  /** Unary NOT_FOUND checks, 128 in flight, for {@code seconds} (after a warm-up of a third of it). */
  private static double unaryNotFound(CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub stub, int seconds)
      throws InterruptedException {
    unary(stub, Math.max(2, seconds / 3), "unary-warm-");
    return unary(stub, seconds, "unary-nf-");
  }

  private static double unary(CredentialCheckServiceGrpc.CredentialCheckServiceFutureStub stub, int seconds,
      String prefix) throws InterruptedException {
    Semaphore inFlight = new Semaphore(128);
    AtomicInteger ok = new AtomicInteger();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (int i = 0; System.nanoTime() < end; i++) {
      inFlight.acquire();
      CheckCredentialRequest r = CheckCredentialRequest.newBuilder().setTenantId(TenantsBench.tenant(i
          % OktaChecksBench.ORGS)).setUsername(prefix + i + "@elsewhere.example").setPassword("Leaked-" + i)
          .setRequestId(prefix + i).build();
      Futures.addCallback(stub.withDeadlineAfter(30, TimeUnit.SECONDS).checkCredential(r),
          new FutureCallback<CheckCredentialResponse>() {
            @Override
            public void onSuccess(CheckCredentialResponse response) {
              if (response.getCheck().getOutcome() == CheckOutcome.CHECK_OUTCOME_NOT_FOUND) {
                ok.incrementAndGet();
              }
              inFlight.release();
            }

            @Override
            public void onFailure(Throwable t) {
              inFlight.release();
            }
          }, MoreExecutors.directExecutor());
    }
    inFlight.acquire(128);
    return ok.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static final String INSERT = """
      INSERT INTO credential_checks (check_id, tenant_id, identity_id, username, request_id, password_fingerprint,
                                     password_ciphertext, outcome, detail, decide_time, submitted_by)
      SELECT c.check_id, c.tenant_id, c.identity_id, c.username, c.request_id, c.fingerprint, c.ciphertext,
             c.outcome, c.detail, now(), 'bench'
      FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::bytea[], $7::bytea[], $8::text[],
                  $9::text[]) AS c(check_id, tenant_id, identity_id, username, request_id, fingerprint, ciphertext,
                                   outcome, detail)
      """;

  /**
   * The same check rows as the stream wrote, as bare array inserts: 99 % NOT_FOUND rows naming no
   * identity, 1 % rows of an identity with a fingerprint and a sealed password (random bytes of
   * the sizes the service stores), 1,000 per statement and transaction, two in flight. Rows/s.
   */
  private static double bareInsert(Pool pool, int leaks) throws Exception {
    List<Row> identityRows = new ArrayList<>();
    pool.query("SELECT tenant_id, identity_id FROM identities ORDER BY tenant_id LIMIT 100").execute()
        .await(60, TimeUnit.SECONDS).forEach(identityRows::add);
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    ArrayDeque<io.vertx.core.Future<?>> inFlight = new ArrayDeque<>();
    long start = System.nanoTime();
    for (int from = 0; from < leaks; from += 1000) {
      if (inFlight.size() == 2) {
        inFlight.pollFirst().await(60, TimeUnit.SECONDS);
      }
      int n = Math.min(1000, leaks - from);
      UUID[] ids = new UUID[n];
      String[] tenants = new String[n];
      UUID[] identities = new UUID[n];
      String[] usernames = new String[n];
      String[] requests = new String[n];
      io.vertx.core.buffer.Buffer[] fingerprints = new io.vertx.core.buffer.Buffer[n];
      io.vertx.core.buffer.Buffer[] ciphertexts = new io.vertx.core.buffer.Buffer[n];
      String[] outcomes = new String[n];
      String[] details = new String[n];
      for (int k = 0; k < n; k++) {
        int i = from + k;
        ids[k] = UUID.randomUUID();
        requests[k] = "bare-" + i;
        usernames[k] = "nobody-" + i + "@elsewhere.example";
        tenants[k] = TenantsBench.tenant(i % OktaChecksBench.ORGS);
        outcomes[k] = "NOT_FOUND";
        details[k] = "no synced identity has this username";
        if (i % 100 == 50 && !identityRows.isEmpty()) {
          Row r = identityRows.get((i / 100) % identityRows.size());
          tenants[k] = r.getString(0);
          identities[k] = r.getUUID(1);
          fingerprints[k] = bytes(random, 32);
          ciphertexts[k] = bytes(random, 60);
          outcomes[k] = "INVALID";
          details[k] = "Okta rejected the password";
        }
      }
      inFlight.addLast(pool.withTransaction(tx -> tx.preparedQuery(INSERT).execute(Tuple.from(new Object[] {ids,
          tenants, identities, usernames, requests, fingerprints, ciphertexts, outcomes, details}))));
    }
    for (var f : inFlight) {
      f.await(60, TimeUnit.SECONDS);
    }
    return leaks / ((System.nanoTime() - start) / 1e9);
  }

  private static io.vertx.core.buffer.Buffer bytes(java.util.SplittableRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return io.vertx.core.buffer.Buffer.buffer(b);
  }
}
