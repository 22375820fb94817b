package io.flare.iem.identitysync;

import java.time.OffsetDateTime;

/** The fields of an Okta user that become an identity. Timestamps may be null (never signed in...). */
public record SyncedUser(
    String oktaUserId,
    String status,
    String login,
    String email,
    String secondEmail,
    String firstName,
    String lastName,
    OffsetDateTime lastLogin,
    OffsetDateTime passwordChanged,
    OffsetDateTime lastUpdated) {}
