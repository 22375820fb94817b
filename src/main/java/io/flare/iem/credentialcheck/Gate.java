package io.flare.iem.credentialcheck;

import io.flare.iem.tracing.Traces;
import io.opentelemetry.api.common.Attributes;
import io.vertx.core.Future;
import java.util.List;

/**
 * One protection a check passes before its authn call ({@link CheckPipeline}): it looks at the
 * {@link Candidate} and answers {@link Verdict#PROCEED} or a {@link Verdict.Stop}. A gate decides
 * only; storing the verdict is the pipeline's.
 */
interface Gate {

  Future<Verdict> judge(Candidate candidate);

  /** Runs {@code gates} one after another; the first that stops the candidate answers, else PROCEED. */
  static Future<Verdict> inOrder(Candidate candidate, List<Gate> gates) {
    Future<Verdict> verdict = Future.succeededFuture(Verdict.PROCEED);
    for (Gate gate : gates) {
      verdict = verdict.compose(v -> v instanceof Verdict.Stop ? Future.succeededFuture(v) : traced(gate, candidate));
    }
    return verdict;
  }

  /** {@code gate}'s verdict, in a span of its own when the check is traced (the verdict's kind, never a detail). */
  static Future<Verdict> traced(Gate gate, Candidate candidate) {
    if (!Traces.on()) {
      return gate.judge(candidate);
    }
    return Traces.child("gate " + gate.getClass().getSimpleName(), Attributes.empty(),
        span -> gate.judge(candidate).andThen(ar -> {
          if (ar.succeeded()) {
            span.setAttribute("iem.verdict", ar.result().getClass().getSimpleName());
          }
        }));
  }
}
