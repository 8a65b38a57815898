package dev.storageinit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.storageinit.spi.support.Json;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * examples/kserve, examples/seldon and examples/pod: the YAML parses; every field is one that Kubernetes, KServe
 * (serving.kserve.io) or Seldon Core v1 define for that kind (the allow-lists below, from their Go types and Helm
 * chart); the image is the one storage-image builds; and the jar, given the env each Secret becomes in the pod,
 * signs its requests with that Secret's key and region.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplesIT {
    private static final Path EXAMPLES =
            Path.of(System.getProperty("examples.dir")).toAbsolutePath().normalize();
    private static final String IMAGE = System.getProperty("image.name");
    private static final String ENDPOINT_HOST = "minio.minio-system.svc.cluster.local:9000";
    private static final Object ANY = new Object();

    private static final Map<String, Object> SECURITY_CONTEXT = Map.of(
            "runAsNonRoot",
            ANY,
            "runAsUser",
            ANY,
            "runAsGroup",
            ANY,
            "allowPrivilegeEscalation",
            ANY,
            "readOnlyRootFilesystem",
            ANY,
            "privileged",
            ANY,
            "capabilities",
            Map.of("drop", ANY, "add", ANY),
            "seccompProfile",
            Map.of("type", ANY));
    /** The corev1.Container fields the examples may use. */
    private static final Map<String, Object> CONTAINER = Map.ofEntries(
            Map.entry("name", ANY),
            Map.entry("image", ANY),
            Map.entry("imagePullPolicy", ANY),
            Map.entry("args", ANY),
            Map.entry("command", ANY),
            Map.entry("env", List.of(Map.of("name", ANY, "value", ANY, "valueFrom", ANY))),
            Map.entry(
                    "envFrom", List.of(Map.of("secretRef", Map.of("name", ANY), "configMapRef", Map.of("name", ANY)))),
            Map.entry("resources", Map.of("requests", ANY, "limits", ANY)),
            Map.entry("securityContext", SECURITY_CONTEXT),
            Map.entry("volumeMounts", List.of(Map.of("name", ANY, "mountPath", ANY, "readOnly", ANY, "subPath", ANY))));

    private static final Map<String, Object> METADATA =
            Map.of("name", ANY, "namespace", ANY, "annotations", ANY, "labels", ANY);
    /** kind -> (apiVersion, allowed fields). */
    private static final Map<String, Map.Entry<String, Map<String, Object>>> KINDS = Map.of(
            "ClusterStorageContainer",
                    Map.entry(
                            "serving.kserve.io/v1alpha1",
                            Map.of(
                                    "metadata",
                                    METADATA,
                                    "disabled",
                                    ANY,
                                    "spec",
                                    Map.of(
                                            "container",
                                            CONTAINER,
                                            "supportedUriFormats",
                                            List.of(Map.of("prefix", ANY, "regex", ANY)),
                                            "workloadType",
                                            ANY,
                                            "supportsMultiModelDownload",
                                            ANY))),
            "InferenceService",
                    Map.entry(
                            "serving.kserve.io/v1beta1",
                            Map.of(
                                    "metadata",
                                    METADATA,
                                    "spec",
                                    Map.of(
                                            "predictor",
                                            Map.of(
                                                    "serviceAccountName",
                                                    ANY,
                                                    "model",
                                                    Map.of(
                                                            "modelFormat",
                                                            Map.of("name", ANY),
                                                            "storageUri",
                                                            ANY,
                                                            "storage",
                                                            Map.of("key", ANY, "path", ANY, "parameters", ANY)))))),
            "SeldonDeployment",
                    Map.entry(
                            "machinelearning.seldon.io/v1",
                            Map.of(
                                    "metadata",
                                    METADATA,
                                    "spec",
                                    Map.of(
                                            "predictors",
                                            List.of(Map.of(
                                                    "name",
                                                    ANY,
                                                    "replicas",
                                                    ANY,
                                                    "graph",
                                                    Map.of(
                                                            "name",
                                                            ANY,
                                                            "implementation",
                                                            ANY,
                                                            "modelUri",
                                                            ANY,
                                                            "storageInitializerImage",
                                                            ANY,
                                                            "envSecretRefName",
                                                            ANY)))))),
            "Secret", Map.entry("v1", Map.of("metadata", METADATA, "type", ANY, "stringData", ANY, "data", ANY)),
            "ServiceAccount", Map.entry("v1", Map.of("metadata", METADATA, "secrets", List.of(Map.of("name", ANY)))),
            "Pod",
                    Map.entry(
                            "v1",
                            Map.of(
                                    "metadata",
                                    METADATA,
                                    "spec",
                                    Map.of(
                                            "initContainers",
                                            List.of(CONTAINER),
                                            "containers",
                                            List.of(CONTAINER),
                                            "volumes",
                                            List.of(Map.of("name", ANY, "emptyDir", ANY))))));
    /** The seldon-core-operator chart's values the example sets. */
    private static final Map<String, Object> SELDON_VALUES = Map.of(
            "storageInitializer",
                    Map.of("image", ANY, "cpuRequest", ANY, "cpuLimit", ANY, "memoryRequest", ANY, "memoryLimit", ANY),
            "predictiveUnit", Map.of("defaultEnvSecretRefName", ANY));
    /** The Secret annotations KServe's S3 credential builder reads (pkg/credentials/s3). */
    private static final Set<String> KSERVE_S3_ANNOTATIONS = Set.of(
            "s3-endpoint",
            "s3-usehttps",
            "s3-region",
            "s3-verifyssl",
            "s3-usevirtualbucket",
            "s3-useaccelerate",
            "s3-useanoncredential",
            "s3-cabundle",
            "s3-cabundle-configmap");

    private HttpServer refusing;
    private final List<String> authorizations = new CopyOnWriteArrayList<>();

    @TempDir
    Path temp;

    /** An S3 endpoint that records each request's Authorization header and refuses it as S3 refuses a bad key. */
    @BeforeAll
    void start() throws IOException {
        refusing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        refusing.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                            + "<Message>Access Denied</Message></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(403, "HEAD".equals(exchange.getRequestMethod()) ? -1 : body.length);
            if (!"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        refusing.start();
    }

    @AfterAll
    void stop() {
        refusing.stop(0);
    }

    private static List<Map<String, Object>> load(String file) throws IOException {
        Path path = EXAMPLES.resolve(file);
        assertThat(path).exists();
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
                assertThat(doc).as(file).isInstanceOf(Map.class);
                docs.add(map(doc));
            }
        }
        return docs;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    private static Object at(Map<String, Object> doc, String path) {
        Object o = doc;
        for (String key : path.split("\\.")) {
            o = key.matches("\\d+") ? list(o).get(Integer.parseInt(key)) : map(o).get(key);
        }
        return o;
    }

    /** Every key of {@code node} is one {@code schema} allows, all the way down. */
    private static void conforms(Object node, Object schema, String where) {
        if (schema == ANY) {
            return;
        }
        if (schema instanceof List) {
            assertThat(node).as(where + " is a list").isInstanceOf(List.class);
            for (int i = 0; i < list(node).size(); i++) {
                conforms(list(node).get(i), list(schema).get(0), where + "[" + i + "]");
            }
            return;
        }
        assertThat(node).as(where + " is a mapping").isInstanceOf(Map.class);
        Map<String, Object> allowed = map(schema);
        for (Map.Entry<String, Object> e : map(node).entrySet()) {
            assertThat(allowed)
                    .as(where + "." + e.getKey() + " is a field its kind defines")
                    .containsKey(e.getKey());
            conforms(e.getValue(), allowed.get(e.getKey()), where + "." + e.getKey());
        }
    }

    private static List<Map<String, Object>> manifests(String file) throws IOException {
        List<Map<String, Object>> docs = load(file);
        for (Map<String, Object> doc : docs) {
            String kind = String.valueOf(doc.get("kind"));
            assertThat(KINDS).as(file + ": kind " + kind).containsKey(kind);
            assertThat(doc.get("apiVersion"))
                    .as(file + ": " + kind)
                    .isEqualTo(KINDS.get(kind).getKey());
            Map<String, Object> rest = new HashMap<>(doc);
            rest.remove("apiVersion");
            rest.remove("kind");
            conforms(rest, KINDS.get(kind).getValue(), file + ": " + kind);
        }
        return docs;
    }

    private static Map<String, Object> only(List<Map<String, Object>> docs, String kind) {
        List<Map<String, Object>> of =
                docs.stream().filter(d -> kind.equals(d.get("kind"))).collect(Collectors.toList());
        assertThat(of).as(kind).hasSize(1);
        return of.get(0);
    }

    private static void restricted(Object securityContext, String where) {
        Map<String, Object> sc = map(securityContext);
        assertThat(sc)
                .as(where)
                .containsEntry("runAsNonRoot", true)
                .containsEntry("runAsUser", 65532)
                .containsEntry("allowPrivilegeEscalation", false)
                .containsEntry("readOnlyRootFilesystem", true);
        assertThat(map(sc.get("capabilities")).get("drop")).as(where).isEqualTo(List.of("ALL"));
        assertThat(map(sc.get("seccompProfile"))).as(where).containsEntry("type", "RuntimeDefault");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> stringData(Map<String, Object> secret) {
        return (Map<String, String>) secret.get("stringData");
    }

    /** The jar with exactly {@code env} (plus PATH and a UTF-8 locale), as a container gets its env. */
    private Jar.Run jar(Map<String, String> env, String... args) throws IOException, InterruptedException {
        return Jar.in(temp)
                .keepingOnly("PATH")
                .withEnv(Map.of("LANG", "C.UTF-8"))
                .withEnv(env)
                .run(args);
    }

    /** The env pointed at the refusing endpoint: the download is signed with the Secret's key and region. */
    private void signsWithTheSecretsKey(Map<String, String> env, String uri, String keyId, String region)
            throws Exception {
        signsWithTheSecretsKey(
                env,
                uri,
                keyId,
                region,
                env.getOrDefault(
                        "AWS_SECRET_ACCESS_KEY", env.getOrDefault("RCLONE_CONFIG_S3_SECRET_ACCESS_KEY", "no secret")));
    }

    private void signsWithTheSecretsKey(Map<String, String> env, String uri, String keyId, String region, String secret)
            throws Exception {
        Map<String, String> local = new HashMap<>();
        env.forEach((k, v) -> local.put(
                k, v.replace(ENDPOINT_HOST, "127.0.0.1:" + refusing.getAddress().getPort())));
        authorizations.clear();
        Jar.Run r = jar(local, uri, temp.resolve("models").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(Main.ACCESS_DENIED);
        assertThat(authorizations).as(r.err()).isNotEmpty().allSatisfy(a -> assertThat(a)
                .contains("Credential=" + keyId + "/")
                .contains("/" + region + "/s3/"));
        assertThat(r.out() + r.err()).doesNotContain(secret);
    }

    @Test
    void kserveClusterStorageContainersRunTheBuiltImageRestricted() throws Exception {
        assertThat(IMAGE).as("the build passes the image reference").isNotBlank();
        List<Map<String, Object>> docs = manifests("kserve/cluster-storage-container.yaml");
        assertThat(docs.stream().map(d -> at(d, "spec.workloadType")))
                .containsExactlyInAnyOrder("initContainer", "localModelDownloadJob");
        for (Map<String, Object> csc : docs) {
            String name = String.valueOf(at(csc, "metadata.name"));
            assertThat(at(csc, "spec.container.name"))
                    .as("KServe requires this name")
                    .isEqualTo("storage-initializer");
            assertThat(at(csc, "spec.container.image")).as(name).isEqualTo(IMAGE);
            assertThat(at(csc, "spec.container.args"))
                    .as("KServe replaces args: none here")
                    .isNull();
            restricted(at(csc, "spec.container.securityContext"), name);
            for (Object format : list(at(csc, "spec.supportedUriFormats"))) {
                assertThat(map(format)).as(name).hasSize(1);
            }
        }
        Map<String, Object> init = docs.get(0);
        List<String> uris = List.of(
                "s3://models/iris",
                "gs://models/iris",
                "https://account.blob.core.windows.net/models/iris",
                "https://example.com/models/iris.tar.gz");
        for (String uri : uris) {
            assertThat(list(at(init, "spec.supportedUriFormats")).stream()
                            .map(ExamplesIT::map)
                            .anyMatch(f -> f.containsKey("prefix")
                                    ? uri.startsWith((String) f.get("prefix"))
                                    : Pattern.compile((String) f.get("regex"))
                                            .matcher(uri)
                                            .find()))
                    .as(uri)
                    .isTrue();
        }
        assertThat(list(at(init, "spec.supportedUriFormats")).stream()
                        .map(ExamplesIT::map)
                        .anyMatch(f -> f.containsKey("prefix") && "hf://x/y".startsWith((String) f.get("prefix"))))
                .as("hf:// stays with KServe's initializer")
                .isFalse();
        for (Object e : list(at(init, "spec.container.env"))) {
            String var = String.valueOf(map(e).get("name"));
            assertThat(Flags.ALL.stream()
                            .anyMatch(f -> f.env() != null && f.env().startsWith(var)))
                    .as(var + " is an option's twin")
                    .isTrue();
        }
    }

    @Test
    void kserveSecretIsWhatTheCliReadsAndTheInferenceServiceUsesIt() throws Exception {
        List<Map<String, Object>> docs = manifests("kserve/s3-secret.yaml");
        Map<String, Object> secret = only(docs, "Secret");
        Map<String, Object> account = only(docs, "ServiceAccount");
        assertThat(at(account, "secrets.0.name")).isEqualTo(at(secret, "metadata.name"));
        Map<String, Object> isvc = only(manifests("kserve/inferenceservice.yaml"), "InferenceService");
        assertThat(at(isvc, "spec.predictor.serviceAccountName")).isEqualTo(at(account, "metadata.name"));
        String storageUri = String.valueOf(at(isvc, "spec.predictor.model.storageUri"));
        assertThat(storageUri).startsWith("s3://");

        // The env KServe's webhook builds from this Secret (pkg/credentials/s3): data keys as they are, annotations
        // as S3_ENDPOINT, S3_USE_HTTPS, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, S3_VERIFY_SSL.
        Map<String, String> annotations = new HashMap<>();
        map(at(secret, "metadata.annotations")).forEach((k, v) -> {
            assertThat(k).startsWith("serving.kserve.io/");
            annotations.put(k.substring("serving.kserve.io/".length()), String.valueOf(v));
        });
        assertThat(KSERVE_S3_ANNOTATIONS).containsAll(annotations.keySet());
        Map<String, String> env = new HashMap<>(stringData(secret));
        env.put("S3_ENDPOINT", annotations.get("s3-endpoint"));
        env.put("S3_USE_HTTPS", annotations.get("s3-usehttps"));
        env.put(
                "AWS_ENDPOINT_URL",
                ("0".equals(annotations.get("s3-usehttps")) ? "http://" : "https://") + annotations.get("s3-endpoint"));
        env.put("AWS_DEFAULT_REGION", annotations.get("s3-region"));
        env.put("S3_VERIFY_SSL", annotations.get("s3-verifyssl"));
        signsWithTheSecretsKey(
                env, storageUri, stringData(secret).get("AWS_ACCESS_KEY_ID"), annotations.get("s3-region"));
    }

    @Test
    void kserveStorageSpecIsWhatTheCliReads() throws Exception {
        Map<String, Object> secret = only(manifests("kserve/storage-config.yaml"), "Secret");
        assertThat(at(secret, "metadata.name")).as("KServe's default name").isEqualTo("storage-config");
        Map<String, Object> isvc = only(manifests("kserve/inferenceservice-storage-spec.yaml"), "InferenceService");
        Map<String, Object> storage = map(at(isvc, "spec.predictor.model.storage"));
        String entryJson = stringData(secret).get(String.valueOf(storage.get("key")));
        assertThat(entryJson).as("the entry storage.key names").isNotNull();
        Map<String, Object> entry = map(Json.parse(entryJson));
        Map<String, Object> parameters = map(storage.get("parameters"));
        Map<String, Object> effective = new HashMap<>(entry);
        effective.putAll(parameters);
        assertThat(effective.get("type")).isEqualTo("s3");

        // What KServe's webhook gives the init container: the entry, the parameters, the URI it builds from them
        String uri = "s3://" + effective.get("bucket") + "/" + storage.get("path");
        Map<String, String> env =
                Map.of("STORAGE_CONFIG", entryJson, "STORAGE_OVERRIDE_CONFIG", Json.write(parameters));
        signsWithTheSecretsKey(
                env,
                uri,
                String.valueOf(entry.get("access_key_id")),
                String.valueOf(effective.get("region")),
                String.valueOf(entry.get("secret_access_key")));
    }

    @Test
    void seldonValuesDeploymentsAndBothSecretForms() throws Exception {
        Map<String, Object> values = load("seldon/values.yaml").get(0);
        conforms(values, SELDON_VALUES, "seldon/values.yaml");
        assertThat(at(values, "storageInitializer.image")).isEqualTo(IMAGE);
        Map<String, Object> aws = only(manifests("seldon/secret-aws.yaml"), "Secret");
        Map<String, Object> rclone = only(manifests("seldon/secret-rclone.yaml"), "Secret");
        assertThat(at(values, "predictiveUnit.defaultEnvSecretRefName")).isEqualTo(at(aws, "metadata.name"));
        List<Map<String, Object>> deployments = manifests("seldon/seldondeployment.yaml");
        Set<Object> secrets = Set.of(at(aws, "metadata.name"), at(rclone, "metadata.name"));
        List<String> uris = new ArrayList<>();
        for (Map<String, Object> sd : deployments) {
            Map<String, Object> graph = map(at(sd, "spec.predictors.0.graph"));
            assertThat(graph.get("storageInitializerImage")).isEqualTo(IMAGE);
            if (graph.containsKey("envSecretRefName")) {
                assertThat(secrets).contains(graph.get("envSecretRefName"));
            }
            uris.add(String.valueOf(graph.get("modelUri")));
        }
        assertThat(uris).anyMatch(u -> u.startsWith("s3://")).anyMatch(u -> u.startsWith("pvc://"));

        String s3 = uris.stream().filter(u -> u.startsWith("s3://")).findFirst().orElseThrow();
        signsWithTheSecretsKey(
                stringData(rclone), s3, stringData(rclone).get("RCLONE_CONFIG_S3_ACCESS_KEY_ID"), "us-east-1");
        signsWithTheSecretsKey(
                stringData(aws),
                s3,
                stringData(aws).get("AWS_ACCESS_KEY_ID"),
                stringData(aws).get("AWS_REGION"));

        // pvc://<claim>/<path>: Seldon mounts the claim at /mnt/pvc and passes /mnt/pvc/<path>, a local directory.
        String pvc =
                uris.stream().filter(u -> u.startsWith("pvc://")).findFirst().orElseThrow();
        String[] claimAndPath = pvc.substring("pvc://".length()).split("/", 2);
        Path mountedClaim = EXAMPLES.resolve("volumes").resolve(claimAndPath[0]);
        Path dest = temp.resolve("pvc");
        Jar.Run r = jar(Map.of(), mountedClaim.resolve(claimAndPath[1]).toString(), dest.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(dest.resolve("config.json")).exists();
    }

    @Test
    void theReadmesPodIsExamplesPodAndItsSecretIsWhatTheCliReads() throws Exception {
        String pod = Files.readString(EXAMPLES.resolve("pod/pod.yaml"));
        assertThat(Files.readString(Path.of(System.getProperty("readme"))))
                .as("README shows examples/pod/pod.yaml")
                .contains(pod);
        List<Map<String, Object>> docs = manifests("pod/pod.yaml");
        Map<String, Object> secret = only(docs, "Secret");
        Map<String, Object> spec = map(only(docs, "Pod").get("spec"));
        Map<String, Object> init = map(list(spec.get("initContainers")).get(0));
        assertThat(init.get("image")).isEqualTo(IMAGE);
        restricted(init.get("securityContext"), "pod init container");
        assertThat(at(init, "envFrom.0.secretRef.name")).isEqualTo(at(secret, "metadata.name"));
        List<Object> args = list(init.get("args"));
        assertThat(args).hasSize(2);
        assertThat(at(init, "volumeMounts.0.mountPath")).isEqualTo(args.get(1));
        Set<Object> volumes =
                list(spec.get("volumes")).stream().map(v -> map(v).get("name")).collect(Collectors.toSet());
        assertThat(volumes).contains(at(init, "volumeMounts.0.name"));
        signsWithTheSecretsKey(
                stringData(secret),
                String.valueOf(args.get(0)),
                stringData(secret).get("AWS_ACCESS_KEY_ID"),
                "us-east-1");
    }
}
