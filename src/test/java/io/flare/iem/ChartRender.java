package io.flare.iem;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart rendered by real Helm (helm-java) as release "iem" in namespace "iem", and readers of
 * the parsed manifests, for {@link ChartTest} and {@link ChartFailsClosedTest}.
 */
final class ChartRender {

  static final Path CHART = Path.of("charts", "iem-okta");
  static final Path PRODUCTION = Path.of("src", "test", "resources", "charts", "iem-okta-production.yaml");
  /** The one value the chart's defaults lack to render: the Secret with gRPC's TLS certificate. */
  static final Map<String, Object> TLS_SECRET = Map.of("grpcTls.existingSecret", "iem-okta-grpc-tls");

  private ChartRender() {}

  /** {@code helm template} with an optional values file and {@code --set} values, not yet called. */
  static TemplateCommand template(Path valuesFile, Map<String, Object> sets) {
    TemplateCommand template = new Helm(CHART).template().withName("iem").withNamespace("iem");
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    sets.forEach(template::set);
    return template;
  }

  static Manifests render(Path valuesFile, Map<String, Object> sets) {
    return new Manifests(template(valuesFile, sets).call());
  }

  /** The defaults plus the TLS Secret: the least an install needs to render. */
  static Manifests renderMinimal() {
    return render(null, TLS_SECRET);
  }

  /** The production-like values file (which names its TLS Secret). */
  static Manifests renderProduction() {
    return render(PRODUCTION, Map.of());
  }

  /** The manifests of one {@code helm template} run, parsed. */
  record Manifests(List<Map<String, Object>> documents) {
    Manifests(String yaml) {
      this(parse(yaml));
    }

    private static List<Map<String, Object>> parse(String yaml) {
      List<Map<String, Object>> docs = new ArrayList<>();
      for (Object doc : new Yaml().loadAll(yaml)) {
        if (doc != null) {
          docs.add(cast(doc));
        }
      }
      return docs;
    }

    List<String> kinds() {
      return documents.stream().map(d -> (String) d.get("kind")).toList();
    }

    Map<String, Object> one(String kind) {
      List<Map<String, Object>> found = documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
      assertThat(found).as("rendered %s", kind).hasSize(1);
      return found.get(0);
    }

    Map<String, String> configData() {
      return cast(one("ConfigMap").get("data"));
    }
  }

  static Map<String, Object> container(Map<String, Object> deployment) {
    List<Map<String, Object>> containers = listAt(deployment, "spec.template.spec.containers");
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  static Map<String, String> byName(Object list, Function<Map<String, Object>, String> value) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Object item : (List<?>) list) {
      Map<String, Object> map = cast(item);
      out.put((String) map.get("name"), value.apply(map));
    }
    return out;
  }

  /** The value at a dotted path of nested maps. */
  static Object at(Map<String, Object> root, String path) {
    Object node = root;
    for (String key : path.split("\\.")) {
      assertThat(node).as("parent of %s in %s", key, path).isInstanceOf(Map.class);
      node = ((Map<?, ?>) node).get(key);
    }
    return node;
  }

  static Map<String, Object> mapAt(Map<String, Object> root, String path) {
    return cast(at(root, path));
  }

  static List<Map<String, Object>> listAt(Map<String, Object> root, String path) {
    return cast(at(root, path));
  }

  @SuppressWarnings("unchecked")
  static <T> T cast(Object value) {
    return (T) value;
  }
}
