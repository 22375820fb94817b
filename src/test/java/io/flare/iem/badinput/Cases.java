package io.flare.iem.badinput;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.flare.iem.testing.DynamicGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The cases: per RPC its base, then each applicable bad value of each field of the base, and hostile domains. */
final class Cases {

  /** Okta domains no rule may accept, each on a request otherwise valid. */
  static final List<String> HOSTILE_DOMAINS = List.of("https://acme.okta.com.evil.net", "http://acme.okta.com",
      "https://169.254.169.254", "https://[::1]", "https://user:pass@acme.okta.com", "https://acme.okta.com:444",
      "https://acme.okta.com/../admin", "https://acme.okta.com?x=https://evil.net", "https://localhost.",
      "file:///etc/passwd", "gopher://acme.okta.com", "https://acme.okta.com%2f.evil.net", "https://acme.okta.c0m",
      "https://xn--80ak6aa92e.okta.com", "https://acme.okta.com#@evil.net", "https://10.0.0.1",
      "acme.okta.com\r\nHost: x");

  private static final AtomicInteger REQUEST_IDS = new AtomicInteger();

  /** One request and the answer it must get; {@code foreign}: sent by a caller of another tenant only. */
  record Case(String name, String rpc, String path, Bad value, MethodDescriptor method, DynamicMessage request,
      Answer expected) {
    boolean foreign() {
      return value == Bad.FOREIGN_TENANT;
    }
  }

  private Cases() {}

  /** Every case of the three services, in their contract's order. */
  static List<Case> all(ExpectedAnswers table, Map<String, String> placeholders) {
    List<Case> out = new ArrayList<>();
    for (ServiceDescriptor service : DynamicGrpc.services().subList(0, 3)) { // ours, not health
      for (MethodDescriptor method : service.getMethods()) {
        out.addAll(of(method, table, placeholders));
      }
    }
    return out;
  }

  private static List<Case> of(MethodDescriptor method, ExpectedAnswers table, Map<String, String> placeholders) {
    String rpc = method.getName();
    Descriptor type = method.getInputType();
    DynamicMessage base = Bases.request(rpc, type, placeholders);
    Answer baseAnswer = Bases.BASES.get(rpc).answer();
    List<Case> out = new ArrayList<>();
    out.add(new Case(rpc + " base", rpc, null, null, method, withRequestId(base, null), baseAnswer));
    for (RequestFields.Leaf leaf : RequestFields.of(type)) {
      for (Bad bad : Bad.applicableTo(leaf.field(), leaf.path())) {
        Answer expected = table.expected(rpc, leaf.path(), bad, baseAnswer);
        if (expected != null) {
          DynamicMessage request = RequestFields.with(base, leaf, bad.valueFor(leaf.field()));
          out.add(new Case(rpc + " " + leaf.path() + " = " + bad, rpc, leaf.path(), bad, method,
              withRequestId(request, leaf), expected));
        }
      }
      if (leaf.path().endsWith("okta_domain")) {
        Answer refused = table.refused(rpc, leaf.path());
        for (String domain : HOSTILE_DOMAINS) {
          out.add(new Case(rpc + " " + leaf.path() + " = " + domain.replace("\r\n", "\\r\\n"), rpc, leaf.path(),
              null, method, withRequestId(RequestFields.with(base, leaf, domain), leaf), refused));
        }
      }
    }
    return out;
  }

  /** Each case its own idempotency key (unless the case is about the key), so no case replays another. */
  private static DynamicMessage withRequestId(DynamicMessage request, RequestFields.Leaf spoiled) {
    FieldDescriptor requestId = request.getDescriptorForType().findFieldByName("request_id");
    if (requestId == null || spoiled != null && spoiled.field().equals(requestId)) {
      return request;
    }
    return request.toBuilder().setField(requestId, "bad-input-" + REQUEST_IDS.incrementAndGet()).build();
  }
}
