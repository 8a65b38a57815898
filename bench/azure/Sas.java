import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Prints a read/list service SAS for one container, valid for a day ({@code java Sas.java ACCOUNT KEY CONTAINER}):
 * the documented string-to-sign of version 2020-12-06, signed with the account key. The bench's curl ceiling reads
 * Azurite with it.
 */
class Sas {
    public static void main(String[] args) throws Exception {
        String account = args[0];
        String container = args[2];
        String version = "2020-12-06";
        String expiry = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        String toSign = String.join(
                "\n",
                "rl", // permissions: read, list
                "", // start
                expiry,
                "/blob/" + account + "/" + container,
                "", // identifier
                "", // IP
                "", // protocol
                version,
                "c", // resource: the container
                "", // snapshot time
                "", // encryption scope
                "", "", "", "", ""); // rscc, rscd, rsce, rscl, rsct
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(args[1]), "HmacSHA256"));
        String sig = Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
        System.out.println("sv=" + version + "&sr=c&sp=rl&se=" + URLEncoder.encode(expiry, StandardCharsets.UTF_8)
                + "&sig=" + URLEncoder.encode(sig, StandardCharsets.UTF_8));
    }
}
