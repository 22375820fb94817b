package io.flare.iem.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.callerauth.Caller;
import io.flare.iem.failure.Failure;
import io.flare.iem.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No call context means no caller: code run outside a call (a worker, a timer, the JUnit thread)
 * acts for no tenant and holds no scope; within a call the caller is the one the gate put there.
 */
class CallContextTest {

  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  @Test
  void outside_any_vertx_context_there_is_no_caller_and_it_may_act_for_no_tenant() {
    Caller caller = CallContext.caller();

    assertNoCaller(caller);
    assertThatThrownBy(() -> CallContext.callerFor("acme"))
        .isInstanceOfSatisfying(Failure.PermissionDenied.class, e -> assertThat(e.reason()).isEqualTo("NO_CALLER"));
  }

  @Test
  void on_a_vertx_context_without_a_call_there_is_no_caller_either() {
    Caller caller = onContext(vertx.getOrCreateContext(), CallContext::caller);
    Throwable refused = onContext(vertx.getOrCreateContext(), () -> {
      try {
        CallContext.callerFor("acme");
        return null;
      } catch (Failure.PermissionDenied e) {
        return e;
      }
    });

    assertNoCaller(caller);
    assertThat(refused).isInstanceOf(Failure.PermissionDenied.class).hasMessageContaining("outside a call");
  }

  @Test
  void within_a_call_the_caller_is_the_one_the_gate_put_there_and_only_for_its_tenants() {
    Caller acme = new Caller("svc-acme", Set.of("acme"), Set.of());
    Context call = vertx.getOrCreateContext();
    onContext(call, () -> {
      CallContext.put(call, new CallContext.Call("flare.iem.v1.CredentialCheckService/CheckCredential", "r1", acme));
      return null;
    });

    assertThat(onContext(call, () -> CallContext.callerFor("acme"))).isEqualTo(acme);
    assertThat(onContext(call, () -> {
      try {
        return CallContext.callerFor("globex");
      } catch (Failure.PermissionDenied e) {
        return null;
      }
    })).isNull();
  }

  private static void assertNoCaller(Caller caller) {
    assertThat(caller).isEqualTo(Caller.NONE);
    assertThat(caller.mayActFor("acme")).isFalse();
    assertThat(caller.mayActFor("*")).isFalse();
    assertThat(caller.tenants()).isEmpty();
    assertThat(caller.scopes()).isEmpty();
    assertThat(caller.isAdmin()).isFalse();
    assertThat(caller.has(Caller.APPROVE_MITIGATIONS_SCOPE)).isFalse();
  }

  private static <T> T onContext(Context context, java.util.function.Supplier<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(ignored -> {
      try {
        result.complete(action.get());
      } catch (RuntimeException e) {
        result.fail(e);
      }
    });
    return Await.result(result.future());
  }
}
