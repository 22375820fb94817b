package io.flare.iem.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.tracing.opentelemetry.VertxContextStorageProvider.VertxContextStorage;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Our own spans, beside the ones Vert.x makes (gRPC calls, Okta requests, Postgres queries, Redis
 * commands): a gate, an Okta call with its bucket and request id, a queued check or sync run
 * decided by a worker, linked to the call that queued it. Without tracing (the current Vert.x has
 * no tracer) each method only runs the work. Attributes never hold a password, token, assertion,
 * proof or key: callers pass names, ids, buckets and statuses only.
 */
public final class Traces {

  /** How long a queued item keeps the trace context of the call that queued it: the default retention of a waiting password. */
  static final long LINK_SECONDS = 14 * 24 * 3600L;

  private Traces() {}

  /** Whether the current Vert.x traces: callers skip building span names and attributes when it does not. */
  public static boolean on() {
    return traced() != null;
  }

  /**
   * Runs {@code work} in a child span of the current span, ended when its future completes (an
   * error status naming the failure's type, never its message); spans whose clients (Okta,
   * Postgres, Redis) {@code work} calls are its children. Without a current span, no span.
   */
  public static <T> Future<T> child(String name, Attributes attributes, Function<Span, Future<T>> work) {
    Tracing.Traced traced = traced();
    if (traced == null) {
      return work.apply(Span.getInvalid());
    }
    Context parent = Context.current();
    if (!Span.fromContext(parent).getSpanContext().isValid()) {
      return work.apply(Span.getInvalid());
    }
    Span span = traced.tracer().spanBuilder(name).setParent(parent).setAllAttributes(attributes).startSpan();
    return within(parent.with(span), span, work);
  }

  /**
   * Runs {@code work}, queued earlier and now taken by a worker, in a trace of its own whose root
   * span links to the call that queued it ({@link #remember}): its trace context is looked up
   * while the work runs, so nothing waits for it.
   */
  public static <T> Future<T> queued(String name, Attributes attributes, String kind, String tenantId, Object id,
      Function<Span, Future<T>> work) {
    Tracing.Traced traced = traced();
    if (traced == null) {
      return work.apply(Span.getInvalid());
    }
    Span span = traced.tracer().spanBuilder(name).setNoParent().setSpanKind(SpanKind.CONSUMER)
        .setAllAttributes(attributes).startSpan();
    if (traced.links() != null) {
      traced.links().get(key(kind, tenantId, id))
          .onSuccess(value -> parse(value == null ? null : value.toString()).ifPresent(span::addLink));
    }
    return within(Context.root().with(span), span, work);
  }

  /**
   * Keeps the current span's context for the work queued as ({@code kind}, {@code tenantId},
   * {@code id}), for {@link #queued} to link to when a worker takes it; expires after
   * {@value #LINK_SECONDS} seconds. Best effort: nothing waits for it, and a failure is ignored.
   */
  public static void remember(String kind, String tenantId, Object id) {
    Tracing.Traced traced = traced();
    SpanContext current = Span.current().getSpanContext();
    if (traced == null || traced.links() == null || !current.isValid()) {
      return;
    }
    traced.links().set(List.of(key(kind, tenantId, id), traceparent(current), "EX", Long.toString(LINK_SECONDS)))
        .onFailure(ignored -> { }); // a lost link loses a trace's thread, nothing else
  }

  /**
   * Names the current server span (Vert.x's, named after the HTTP method) after the gRPC method of
   * {@code path}, and opens under it the span of the call ({@code grpc call}), which everything the
   * call does is a child of; returns what ends that span with the call's final status (Vert.x ends
   * its own span as the stream closes, which can be before the status is known here).
   */
  public static Consumer<String> grpcCall(String path) {
    Tracing.Traced traced = traced();
    Span server = traced == null ? Span.getInvalid() : Span.current();
    if (!server.isRecording()) {
      return status -> { };
    }
    String method = path.startsWith("/") ? path.substring(1) : path;
    int slash = method.indexOf('/');
    AttributesBuilder rpc = Attributes.builder().put("rpc.system", "grpc");
    if (slash > 0) {
      rpc.put("rpc.service", method.substring(0, slash)).put("rpc.method", method.substring(slash + 1));
    }
    Attributes attributes = rpc.build();
    server.updateName(method);
    server.setAllAttributes(attributes);
    Context parent = Context.current();
    Span call = traced.tracer().spanBuilder("grpc call").setParent(parent).setAllAttributes(attributes).startSpan();
    VertxContextStorage.INSTANCE.attach(ContextInternal.current(), parent.with(call)); // the stream's context only
    return status -> {
      call.setAttribute("rpc.grpc.status", status);
      try {
        call.setAttribute("rpc.grpc.status_code", GrpcStatus.valueOf(status).code);
      } catch (IllegalArgumentException notAStatus) {
        // every name this is given is a status; nothing to add otherwise
      }
      if (!"OK".equals(status)) {
        call.setStatus(StatusCode.ERROR, status);
      }
      call.end();
    };
  }

  /** The current Vert.x instance's tracing, or null when it has none (tracing off, or not on a Vert.x thread). */
  private static Tracing.Traced traced() {
    ContextInternal context = ContextInternal.current();
    if (context == null || context.tracer() == null) {
      return null;
    }
    return Tracing.TRACED.get(context.owner());
  }

  /**
   * Runs {@code work} on a copy of the current Vert.x context whose active OpenTelemetry context
   * is {@code otel}: what Vert.x's clients read when they start their spans. The result completes
   * on the caller's context, so what the caller does next is not inside {@code span}.
   */
  private static <T> Future<T> within(Context otel, Span span, Function<Span, Future<T>> work) {
    ContextInternal outer = ContextInternal.current();
    ContextInternal inner = outer.duplicate(true);
    VertxContextStorage.INSTANCE.attach(inner, otel);
    Promise<T> result = outer.promise();
    inner.dispatch(ignored -> {
      Future<T> started;
      try {
        started = work.apply(span);
      } catch (RuntimeException e) {
        started = Future.failedFuture(e);
      }
      started.onComplete(ar -> {
        end(span, ar);
        result.handle(ar);
      });
    });
    return result.future();
  }

  private static void end(Span span, AsyncResult<?> ar) {
    if (ar.failed()) {
      span.setStatus(StatusCode.ERROR, ar.cause().getClass().getSimpleName());
    }
    span.end();
  }

  static String key(String kind, String tenantId, Object id) {
    return "iem:trace-link:" + kind + ":" + tenantId + ":" + id;
  }

  /** W3C {@code traceparent} of {@code context}. */
  static String traceparent(SpanContext context) {
    return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
  }

  static Optional<SpanContext> parse(String traceparent) {
    if (traceparent == null) {
      return Optional.empty();
    }
    String[] parts = traceparent.split("-");
    if (parts.length != 4 || parts[3].length() != 2) {
      return Optional.empty();
    }
    SpanContext context = SpanContext.createFromRemoteParent(parts[1], parts[2], TraceFlags.fromHex(parts[3], 0),
        TraceState.getDefault());
    return context.isValid() ? Optional.of(context) : Optional.empty();
  }
}
