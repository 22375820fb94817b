package io.flare.iem.testing;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.flare.iem.v1.CredentialCheckServiceGrpcService;
import io.flare.iem.v1.IdentitySyncServiceGrpcService;
import io.flare.iem.v1.IntegrationConfigServiceGrpcService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls any method of our services (and gRPC health) with dynamic messages, as a client that only
 * has the descriptors would: generated bad input, README commands replayed from their JSON.
 */
public final class DynamicGrpc {

  private static final List<ServiceDescriptor> SERVICES = List.of(
      IntegrationConfigServiceGrpcService.SERVICE_DESCRIPTOR, IdentitySyncServiceGrpcService.SERVICE_DESCRIPTOR,
      CredentialCheckServiceGrpcService.SERVICE_DESCRIPTOR,
      io.grpc.health.v1.HealthProto.getDescriptor().findServiceByName("Health"));

  private DynamicGrpc() {}

  public static List<ServiceDescriptor> services() {
    return SERVICES;
  }

  /** The method {@code package.Service/Method}, if one of ours. */
  public static Optional<MethodDescriptor> method(String fullName) {
    int slash = fullName.indexOf('/');
    if (slash < 0) {
      return Optional.empty();
    }
    return SERVICES.stream()
        .filter(s -> s.getFullName().equals(fullName.substring(0, slash)))
        .map(s -> s.findMethodByName(fullName.substring(slash + 1)))
        .filter(m -> m != null)
        .findFirst();
  }

  /**
   * Sends {@code request} and returns every response message: one for a unary call, the stream for
   * a server-streaming one, the answers for a bidirectional one (after sending the request and
   * half-closing). Fails with the call's {@link io.grpc.StatusRuntimeException}.
   */
  public static List<DynamicMessage> call(Channel channel, MethodDescriptor method, Message request, int seconds)
      throws Exception {
    var grpcMethod = io.grpc.MethodDescriptor.<Message, DynamicMessage>newBuilder()
        .setType(method.isClientStreaming() && method.isServerStreaming() ? MethodType.BIDI_STREAMING
            : method.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY)
        .setFullMethodName(method.getService().getFullName() + "/" + method.getName())
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
        .build();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(seconds, TimeUnit.SECONDS);
    List<DynamicMessage> out = new ArrayList<>();
    if (method.isClientStreaming()) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      StreamObserver<Message> requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(grpcMethod, options),
          new StreamObserver<DynamicMessage>() {
            @Override
            public void onNext(DynamicMessage value) {
              synchronized (out) {
                out.add(value);
              }
            }

            @Override
            public void onError(Throwable t) {
              done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              done.complete(null);
            }
          });
      requests.onNext(request);
      requests.onCompleted();
      try {
        done.get(seconds, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw (Exception) e.getCause();
      }
      return out;
    }
    if (method.isServerStreaming()) {
      ClientCalls.blockingServerStreamingCall(channel, grpcMethod, options, request).forEachRemaining(out::add);
      return out;
    }
    out.add(ClientCalls.blockingUnaryCall(channel, grpcMethod, options, request));
    return out;
  }

  /** An empty message of the method's request type, to merge JSON into. */
  public static DynamicMessage.Builder request(MethodDescriptor method) {
    Descriptor type = method.getInputType();
    return DynamicMessage.newBuilder(type);
  }
}
