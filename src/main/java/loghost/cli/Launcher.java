package loghost.cli;

/**
 * The jar's entry point: checks that the libraries loghost.jar names in its manifest are there before anything
 * uses them, so that a jar copied alone says what it needs instead of failing with NoClassDefFoundError.
 * It refers to no library class itself.
 */
public final class Launcher {

    private Launcher() {
    }

    /** Runs {@link Main} when the libraries are present; otherwise one line naming them, exit 1. */
    public static void main(String[] args) {
        String[] needed = {"picocli.CommandLine", "org.apache.sshd.server.SshServer", "com.typesafe.config.Config",
            "org.slf4j.LoggerFactory", "ch.qos.logback.classic.Logger", "org.bouncycastle.jce.provider.BouncyCastleProvider"};
        for (String c : needed) {
            // Looked up as a resource, not loaded: loading a class from the signed BouncyCastle jar has the JVM verify
            // the jar's signature (~0.2 s at every start), which only the commands that use it should pay.
            if (Launcher.class.getClassLoader().getResource(c.replace('.', '/') + ".class") == null) {
                System.err.println("loghost: error: loghost.jar needs its lib/ directory beside it (missing " + c
                        + "): install the Debian package or unpack the whole tarball, or run it from target/ after "
                        + "mvn package");
                System.exit(1);
            }
        }
        Main.main(args);
    }
}
