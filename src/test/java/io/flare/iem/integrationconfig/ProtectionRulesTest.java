package io.flare.iem.integrationconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flare.iem.failure.Failure;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules for protected groups and logins, each refusal naming the element and the rule. */
class ProtectionRulesTest {

  private static Integration.Protection of(List<String> groups, List<String> logins) {
    return new Integration.Protection(groups, logins);
  }

  @Test
  void okta_group_ids_and_logins_are_accepted_as_given() {
    Integration.Protection p = ProtectionRules.validated(of(List.of("00g1b2c3d4E5f6G7h8i9"),
        List.of("Break.Glass@acme.example", "admin@acme.example")), "integration.");

    assertThat(p.groupIds()).containsExactly("00g1b2c3d4E5f6G7h8i9");
    assertThat(p.listsLogin("break.glass@ACME.example")).isTrue();
    assertThat(p.listsLogin("someone@acme.example")).isFalse();
  }

  @Test
  void a_group_named_twice_or_a_group_that_is_not_an_okta_group_id_is_refused() {
    assertThatThrownBy(() -> ProtectionRules.validated(of(List.of("00g1b2c3d4E5f6G7h8i9", "00g1b2c3d4E5f6G7h8i9"),
        List.of()), "integration."))
        .isInstanceOf(Failure.InvalidArgument.class).hasMessageStartingWith("integration.protected_group_ids[1]: ")
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> ProtectionRules.validated(of(List.of("0oa1b2c3d4E5f6G7h8i9"), List.of()), "integration."))
        .hasMessageStartingWith("integration.protected_group_ids[0]: must be an Okta group id");
    assertThatThrownBy(() -> ProtectionRules.validated(of(Collections.nCopies(51, "00g1b2c3d4E5f6G7h8i9"),
        List.of()), "integration."))
        .hasMessageStartingWith("integration.protected_group_ids: must list at most 50");
  }

  @Test
  void a_login_named_twice_in_any_case_or_padded_is_refused() {
    assertThatThrownBy(() -> ProtectionRules.validated(of(List.of(), List.of("a@acme.example", "A@ACME.example")),
        "integration."))
        .hasMessageStartingWith("integration.protected_logins[1]: ").hasMessageContaining("twice");
    assertThatThrownBy(() -> ProtectionRules.validated(of(List.of(), List.of(" a@acme.example")), "integration."))
        .hasMessageStartingWith("integration.protected_logins[0]: must not start or end with spaces");
    assertThatThrownBy(() -> ProtectionRules.validated(of(List.of(), Collections.nCopies(101, "a")), "integration."))
        .hasMessageStartingWith("integration.protected_logins: must list at most 100");
  }
}
