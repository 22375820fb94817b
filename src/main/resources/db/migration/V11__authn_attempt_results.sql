-- V4 (BLOCKED) and V5 (DENIED) were written side by side and each redefined the attempt results
-- from its own list: V5, applied last, dropped BLOCKED. Every result an attempt can record:
ALTER TABLE authn_attempts DROP CONSTRAINT authn_attempts_result_check;
ALTER TABLE authn_attempts ADD CONSTRAINT authn_attempts_result_check
    CHECK (result IN ('RESERVED', 'VALID', 'INVALID', 'LOCKED_OUT', 'RATE_LIMITED', 'BLOCKED', 'UNKNOWN', 'RELEASED',
                      'DENIED'));
