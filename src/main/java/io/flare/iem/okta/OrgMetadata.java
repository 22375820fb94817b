package io.flare.iem.okta;

import io.vertx.core.json.JsonObject;

/**
 * What {@code GET /.well-known/okta-organization} (public, no credentials) says of an org: its id and
 * its authentication pipeline, {@code "idx"} for Identity Engine, {@code "v1"} for Classic Engine
 * (Okta management spec, {@code WellKnownOrgMetadata} and {@code PipelineType}).
 */
public record OrgMetadata(String id, Pipeline pipeline) {

  /** The org's authentication pipeline. */
  public enum Pipeline {
    /** {@code "v1"}: Classic Engine. */
    CLASSIC,
    /** {@code "idx"}: Identity Engine (user blocks, unknown-device lockout, authentication policies). */
    IDENTITY_ENGINE,
    /** Missing or a value this client does not know. */
    UNKNOWN
  }

  static OrgMetadata parse(JsonObject json) {
    String pipeline = json.getString("pipeline", "");
    return new OrgMetadata(json.getString("id"), switch (pipeline) {
      case "idx" -> Pipeline.IDENTITY_ENGINE;
      case "v1" -> Pipeline.CLASSIC;
      default -> Pipeline.UNKNOWN;
    });
  }
}
