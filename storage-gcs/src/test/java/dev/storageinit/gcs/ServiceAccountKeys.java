package dev.storageinit.gcs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Service-account key files for tests: a fresh RSA key, its JSON pointing at the fixture's token endpoint. */
final class ServiceAccountKeys {
    private ServiceAccountKeys() {}

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON of a service-account key for {@code email}, with {@code token_uri} at {@code tokenUri}. */
    static String json(String email, KeyPair key, String tokenUri) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        return "{\n"
                + "  \"type\": \"service_account\",\n"
                + "  \"project_id\": \"fixture-project\",\n"
                + "  \"private_key_id\": \"0123456789abcdef\",\n"
                + "  \"private_key\": " + GcsJsonApiServer.Json.quote(pem) + ",\n"
                + "  \"client_email\": " + GcsJsonApiServer.Json.quote(email) + ",\n"
                + "  \"client_id\": \"100000000000000000001\",\n"
                + "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
                + "  \"token_uri\": " + GcsJsonApiServer.Json.quote(tokenUri) + "\n"
                + "}\n";
    }

    /** Writes a key file for {@code email} trusted by {@code server}. */
    static Path trusted(GcsJsonApiServer server, Path dir, String email) throws IOException {
        KeyPair key = rsa();
        server.trustServiceAccount(email, key.getPublic());
        Path file = dir.resolve(email.replaceAll("[^A-Za-z0-9.-]", "_") + ".json");
        Files.writeString(file, json(email, key, server.tokenUri()));
        return file;
    }
}
