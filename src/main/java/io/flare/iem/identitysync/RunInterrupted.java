package io.flare.iem.identitysync;

/** Why a sync run stops short of its end: control flow inside {@link Syncer}, never shown to anyone. */
abstract sealed class RunInterrupted extends RuntimeException {

  private RunInterrupted(String what) {
    super(what, null, false, false);
  }

  /** The run was cancelled: end it without sweeping. */
  static final class Cancelled extends RunInterrupted {
    Cancelled() {
      super("cancelled");
    }
  }

  /** Another replica took the run, or it was ended elsewhere (integration deleted): stop writing. */
  static final class LeaseLost extends RunInterrupted {
    LeaseLost() {
      super("lease lost");
    }
  }

  /** This replica is shutting down: release the run so another one resumes it. */
  static final class Stopping extends RunInterrupted {
    Stopping() {
      super("stopping");
    }
  }
}
