package loghost.ssh;

import loghost.refusal.Refusal;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * The last global-request handler: anything the handlers before it did not claim (keepalives are answered by
 * MINA's own) is refused and logged, instead of being failed silently.
 */
final class RefuseGlobalRequests implements RequestHandler<ConnectionService> {

    private final Refusals refusals;

    RefuseGlobalRequests(Refusals refusals) {
        this.refusals = refusals;
    }

    @Override
    public Result process(ConnectionService service, String request, boolean wantReply, Buffer buffer) {
        refusals.log(Refusal.GLOBAL_REQUEST_REFUSED, service.getSession(), "request=" + Refusals.quote(request));
        return Result.ReplyFailure;
    }
}
