package io.flare.iem.integrationconfig;

import io.vertx.core.Future;
import java.util.List;

/** Runs the setup checks of TestIntegration against a tenant's Okta org. */
public interface IntegrationDiagnostics {

  /** The outcome of one check. */
  enum Outcome { PASS, WARN, FAIL, SKIPPED }

  /** One check: a stable name, what was seen, and what to fix when it did not pass. */
  record Result(String name, Outcome outcome, String detail, String remedy) {}

  /** Runs every check, in order; never fails for a misconfigured org (that is a FAIL result). */
  Future<List<Result>> run(Integration integration, TenantSettings tenant);
}
