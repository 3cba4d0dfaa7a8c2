package loghost.ssh;

import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import loghost.config.Settings;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;

/** Everything a client can reach over SSH, configured in one place: algorithms, authentication, channels, limits. */
final class SshSurface {

    private SshSurface() {
    }

    /** A MINA server that offers exactly the loghost's surface; not yet started. */
    /** Bytes of each connection's socket read buffer. */
    static final int READ_BUFFER_BYTES = 8 * 1024;

    static SshServer build(Settings settings, KeyPair hostKey, EnrolledKeysAuthenticator authenticator,
                           CommandRouter router, AuthenticatedConnections connections, Refusals refusals) {
        CryptoPolicy crypto = new CryptoPolicy(settings.crypto());
        SshServer sshd = ServerBuilder.builder()
                .cipherFactories(crypto.ciphers())
                .macFactories(crypto.macs())
                .keyExchangeFactories(crypto.keyExchanges())
                .signatureFactories(crypto.signatures())
                .compressionFactories(CryptoPolicy.compressions())
                .build();
        sshd.setHost(settings.listen().getHostString());
        sshd.setPort(settings.listen().getPort());
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));

        AuthenticationGate gate = new AuthenticationGate(settings.ssh().maxAuthRequests(), refusals);
        sshd.setUserAuthFactories(List.of(gate.publicKey()));
        sshd.setSessionDisconnectHandler(gate.disconnects());
        sshd.setPublickeyAuthenticator(authenticator);
        sshd.setPasswordAuthenticator(null);
        sshd.setKeyboardInteractiveAuthenticator(null);
        sshd.setHostBasedAuthenticator(null);
        sshd.setGSSAuthenticator(null);

        List<ChannelFactory> channels = new ArrayList<>();
        channels.add(AppendOnlyChannel.factory(refusals));
        channels.addAll(RefusedChannelType.all(refusals));
        sshd.setChannelFactories(channels);
        sshd.setServiceFactories(List.of(gate.userAuthService(),
                new ChannelGate(settings.ssh().maxChannelsPerConnection(), refusals)));
        sshd.setForwardingFilter(new RefuseForwarding(refusals));
        sshd.setAgentFactory(null);
        sshd.setSubsystemFactories(List.of());
        sshd.setCommandFactory(router);
        sshd.setShellFactory(router);
        List<RequestHandler<ConnectionService>> global = new ArrayList<>(ServerBuilder.DEFAULT_GLOBAL_REQUEST_HANDLERS);
        global.add(new RefuseGlobalRequests(refusals));
        sshd.setGlobalRequestHandlers(global);

        sshd.addSessionListener(connections);
        sshd.addSessionListener(gate.probes());
        sshd.addSessionListener(new ConnectionLimits(settings.ssh().maxUnauthenticated(),
                settings.ssh().maxConnectionsPerSource(), settings.ssh().maxWaitingPerSource(), refusals));
        CoreModuleProperties.AUTH_TIMEOUT.set(sshd, settings.ssh().authTimeout());
        CoreModuleProperties.IDLE_TIMEOUT.set(sshd, settings.ssh().idleTimeout());
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, settings.ssh().maxAuthRequests());
        // Each connection holds its socket read buffer for as long as it is open, idle or not: 32 KiB by default,
        // most of what 10,000 connected forwarders cost. 8 KiB still takes a full SSH packet in a few reads.
        CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(sshd, READ_BUFFER_BYTES);
        // ACKs are small and wait for nothing: Nagle's algorithm would hold one back until the client acknowledged
        // the previous segment, which with delayed ACKs on the client is tens of milliseconds.
        CoreModuleProperties.TCP_NODELAY.set(sshd, true);
        // Do not advertise the SSH library and its version to scanners.
        CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "loghost");
        return sshd;
    }
}
