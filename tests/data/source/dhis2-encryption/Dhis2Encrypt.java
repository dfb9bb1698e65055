import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.jasypt.encryption.pbe.PooledPBEStringEncryptor;
import org.jasypt.salt.RandomSaltGenerator;

// The aes128StringEncryptor bean of dhis2-core's HibernateEncryptionConfig (2.38-2.42).
public class Dhis2Encrypt {
  public static void main(String[] args) {
    java.security.Security.addProvider(new BouncyCastleProvider());
    PooledPBEStringEncryptor e = new PooledPBEStringEncryptor();
    e.setAlgorithm("PBEWITHSHA256AND128BITAES-CBC-BC");
    e.setPassword(args[0]);
    e.setPoolSize(4);
    e.setSaltGenerator(new RandomSaltGenerator());
    if (args[1].equals("decrypt")) { System.out.println(e.decrypt(args[2])); return; }
    for (int i = 1; i < args.length; i++) System.out.println(e.encrypt(args[i]));
  }
}
