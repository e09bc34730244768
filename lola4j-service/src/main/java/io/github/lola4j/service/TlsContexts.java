package io.github.lola4j.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS contexts from key store files (PKCS#12 or JKS, detected from the file), for {@code serve} and {@code client}. */
public final class TlsContexts {

    private TlsContexts() {
    }

    /**
     * A server context: the key store holds the server's private key and certificate chain.
     *
     * @param keyStore the file
     * @param password its password (also the key's)
     * @return the context
     * @throws IOException when the file is missing, unreadable, of an unknown type, or the password is wrong
     */
    public static SSLContext server(Path keyStore, char[] password) throws IOException {
        KeyStore ks = load(keyStore, password);
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), null, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key store " + keyStore + " has no usable private key: " + e.getMessage(), e);
        }
    }

    /**
     * A client context trusting the certificates of a trust store (for a server with a private or
     * self-signed certificate).
     *
     * @param trustStore the file
     * @param password   its password
     * @return the context
     * @throws IOException when the file is missing, unreadable or of an unknown type
     */
    public static SSLContext client(Path trustStore, char[] password) throws IOException {
        KeyStore ks = load(trustStore, password);
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, tmf.getTrustManagers(), null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS trust store " + trustStore + " cannot be used: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Path file, char[] password) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("TLS key store " + file + " does not exist or is not a file");
        }
        try {
            return KeyStore.getInstance(file.toFile(), password);
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key store " + file + " cannot be read (wrong password or not PKCS#12/JKS): "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException("TLS key store " + file + " cannot be read (wrong password or not PKCS#12/JKS): "
                    + e.getMessage(), e);
        }
    }
}
