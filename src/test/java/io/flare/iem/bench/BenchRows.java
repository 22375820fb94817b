package io.flare.iem.bench;

import static io.flare.iem.bench.Benchmarks.mb;
import static io.flare.iem.bench.Benchmarks.met;
import static io.flare.iem.bench.Benchmarks.ms;
import static io.flare.iem.bench.Benchmarks.n;
import static io.flare.iem.bench.Benchmarks.rate;
import static io.flare.iem.bench.Benchmarks.ratio;

import java.util.List;
import java.util.Locale;

/** The table's rows of the checks that reach Okta and of the CheckCredentials stream ({@link OktaChecksBench}). */
final class BenchRows {

  private BenchRows() {}

  static void okta(Benchmarks.Table table, List<String> notes, OktaChecksBench.Results r) {
    if (r == null) {
      return;
    }
    OktaChecksBench.Decisions max = r.max();
    OktaChecksBench.Decisions fixed = r.fixed();
    OktaCeiling.Result c = r.ceiling();
    table.section(String.format(Locale.ROOT, "CheckCredential that passes every gate and calls authn (a synced ACTIVE"
        + " user who signed in lately, a wrong password: Okta answers 401 and the service reads the System Log to"
        + " confirm it), spread over %d orgs served by one"
        + " simulator process whose authn answers at once, limits not binding; %d in flight",
        OktaChecksBench.ORGS, OktaChecksBench.IN_FLIGHT));
    String errors = max.errors() > 0 ? " (" + max.errors() + " not INVALID)" : "";
    table.row("check reaching Okta: decisions/s", rate(max.perSecond(), "/s"),
        "cap script + fence transaction + authn round trip", rate(c.perSecond(), "/s"),
        ratio(max.perSecond(), c.perSecond()), ">= 0.5 x ceiling",
        met(max.perSecond() >= 0.5 * c.perSecond()) + errors);
    OktaChecksBench.Decisions saturated = r.saturated();
    table.row("same, " + OktaChecksBench.SATURATING + " in flight (the System Log wait not binding): decisions/s",
        rate(saturated.perSecond(), "/s"), "the same ceiling", rate(c.perSecond(), "/s"),
        ratio(saturated.perSecond(), c.perSecond()), ">= 0.5 x ceiling", met(saturated.perSecond() >= 0.5 * c.perSecond())
        + (saturated.errors() > 0 ? " (" + saturated.errors() + " not INVALID)" : ""));
    table.row("time the service adds at " + OktaChecksBench.FIXED_RATE + "/s: p99", ms(r.addedP99Millis()),
        "the simulator's own authn time, p99", ms(r.simP99Millis()), "", "<= 20 ms",
        met(r.addedP99Millis() <= 20 && fixed.errors() == 0));
    table.row("time the service adds at " + OktaChecksBench.FIXED_RATE + "/s: p50", ms(r.addedP50Millis()), "", "",
        "", "", "");
    OktaChecksBench.Decisions valid = r.validMax();
    table.row("same, right password (VALID): decisions/s", rate(valid.perSecond(), "/s"), "the same ceiling",
        rate(c.perSecond(), "/s"), ratio(valid.perSecond(), c.perSecond()), "", "");
    table.row("same, right password: added p99 at " + OktaChecksBench.FIXED_RATE + "/s",
        ms(r.validAddedP99Millis()), "", "", "", "", "");
    notes.add(String.format(Locale.ROOT, "checks reaching Okta with the user's right password: max rate %s sent,"
        + " outcomes %s; at %d/s %s sent, outcomes %s (a VALID answer needs no System Log read)",
        n(valid.sent()), valid.outcomes(), OktaChecksBench.FIXED_RATE, n(r.validFixed().sent()),
        r.validFixed().outcomes()));
    notes.add(String.format(Locale.ROOT, "checks reaching Okta: max rate %s sent, outcomes %s; at %d/s %s sent,"
        + " outcomes %s, end to end p50 %.1f ms p99 %.1f ms; the time added is each check's end-to-end time minus the"
        + " simulator's own time for that check's authn answer (%d checks matched); the simulator's other answers"
        + " (the fresh user read, the System Log) count as the service's", n(max.sent()), max.outcomes(),
        OktaChecksBench.FIXED_RATE, n(fixed.sent()), fixed.outcomes(), fixed.p50Millis(), fixed.p99Millis(),
        r.matched()));
    notes.add("Okta requests per check reaching Okta (max-rate phases, every org's counters), wrong password: "
        + r.requestsPerInvalid() + "; right password: " + r.requestsPerValid());
    notes.add("checks reaching Okta, a detail the service gave per outcome: " + r.details());
    notes.add(OktaCeiling.describe(c) + ", on checks the service made (their identities, rows, fingerprints), the"
        + " counters present; the service's own clients, a Postgres pool of its default size (8)");
    StreamBench.Result s = r.stream();
    if (s == null) {
      return;
    }
    table.section(String.format(Locale.ROOT, "One CheckCredentials stream of %s leaks over %d tenants, 99 %% matching"
        + " no identity, 1 %% reaching Okta, sent as fast as flow control lets", n(s.leaks()), OktaChecksBench.ORGS));
    table.row("stream: leaks/s", rate(s.perSecond(), "/s"), "bare batched insert of the same check rows",
        rate(s.ceilingPerSecond(), "/s"), ratio(s.perSecond(), s.ceilingPerSecond()), ">= 0.5 x bare",
        met(s.perSecond() >= 0.5 * s.ceilingPerSecond()) + (s.errors() > 0 ? " (" + s.errors() + " errors)" : ""));
    table.row("", "", "unary NOT_FOUND, 128 in flight, same run", rate(s.unaryNotFoundPerSecond(), "/s"),
        ratio(s.perSecond(), s.unaryNotFoundPerSecond()), ">= 5 x unary",
        met(s.perSecond() >= 5 * s.unaryNotFoundPerSecond()));
    table.row("stream: peak heap in use", mb(s.peakHeapBytes()), "JVM max heap (-Xmx)", mb(HeapWatch.maxHeap()),
        ratio(s.peakHeapBytes(), HeapWatch.maxHeap()), "flat (<= 256 MB)", met(s.peakHeapBytes() <= 256 * Benchmarks.MB));
    table.row("stream: peak heap after GC", mb(s.peakHeapAfterGcBytes()), "", "", "", "", "");
    notes.add("the stream's outcomes: " + s.outcomes() + "; " + n(s.answered()) + " answered of " + n(s.leaks()));
  }
}
