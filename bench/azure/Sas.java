import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import java.time.OffsetDateTime;

/**
 * Prints a read/list SAS for one container, valid for a day ({@code java -cp CLI_JAR Sas.java ENDPOINT ACCOUNT KEY
 * CONTAINER}), made by the Azure SDK bundled in the CLI jar: the bench's curl ceiling reads Azurite with it.
 */
class Sas {
    public static void main(String[] args) {
        var container = new BlobContainerClientBuilder()
                .endpoint(args[0])
                .credential(new StorageSharedKeyCredential(args[1], args[2]))
                .containerName(args[3])
                .buildClient();
        var permission = new BlobContainerSasPermission().setReadPermission(true).setListPermission(true);
        System.out.println(container.generateSas(
                new BlobServiceSasSignatureValues(OffsetDateTime.now().plusDays(1), permission)));
    }
}
