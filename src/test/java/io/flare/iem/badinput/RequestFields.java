package io.flare.iem.badinput;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a request, walked from its descriptor: top-level fields, the fields of nested
 * messages of ours and of {@code google.protobuf.FieldMask}, and one element of each repeated
 * field. A path names them as the service's messages do ({@code integration.display_name}),
 * with {@code []} for a repeated element ({@code update_mask.paths[]}).
 */
final class RequestFields {

  private static final String FIELD_MASK = "google.protobuf.FieldMask";
  private static final int MAX_DEPTH = 3;

  private RequestFields() {}

  /** A field to spoil: its path and the descriptors leading to it from the request. */
  record Leaf(String path, List<FieldDescriptor> chain) {
    FieldDescriptor field() {
      return chain.get(chain.size() - 1);
    }
  }

  /** Every field of {@code type} that some {@link Bad} value applies to, depth first. */
  static List<Leaf> of(Descriptor type) {
    List<Leaf> out = new ArrayList<>();
    walk(type, "", List.of(), out);
    return out;
  }

  private static void walk(Descriptor type, String prefix, List<FieldDescriptor> chain, List<Leaf> out) {
    for (FieldDescriptor field : type.getFields()) {
      String path = prefix + field.getName() + (field.isRepeated() ? "[]" : "");
      List<FieldDescriptor> next = new ArrayList<>(chain);
      next.add(field);
      if (Bad.typeOf(field) != Bad.Type.NONE) {
        out.add(new Leaf(path, List.copyOf(next)));
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && next.size() < MAX_DEPTH
          && walked(field.getMessageType())) {
        walk(field.getMessageType(), path + ".", next, out);
      }
    }
  }

  private static boolean walked(Descriptor type) {
    return type.getFullName().startsWith("flare.iem.v1.") || type.getFullName().equals(FIELD_MASK);
  }

  /**
   * {@code base} with the leaf set to {@code value}: a singular field replaced, a repeated one
   * given one more element, a message on the way created if absent.
   */
  static DynamicMessage with(Message base, Leaf leaf, Object value) {
    return set(base, leaf.chain(), 0, value);
  }

  private static DynamicMessage set(Message message, List<FieldDescriptor> chain, int i, Object value) {
    FieldDescriptor field = chain.get(i);
    DynamicMessage.Builder b = DynamicMessage.newBuilder(message.getDescriptorForType()).mergeFrom(message);
    Object v = value;
    if (i < chain.size() - 1) {
      Message nested = field.isRepeated() || !message.hasField(field)
          ? DynamicMessage.getDefaultInstance(field.getMessageType())
          : (Message) message.getField(field);
      v = set(nested, chain, i + 1, value);
    }
    if (field.isRepeated()) {
      b.addRepeatedField(field, v);
    } else {
      b.setField(field, v);
    }
    return b.build();
  }
}
