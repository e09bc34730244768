package io.github.lola4j.onnx;

import io.github.lola4j.onnx.proto.Onnx.AttributeProto;
import io.github.lola4j.onnx.proto.Onnx.NodeProto;

/** A node's attributes by name, with the default ONNX gives when one is absent. */
final class Attributes {

    private Attributes() {
    }

    static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long attrInt(NodeProto n, String name, long otherwise) {
        AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getI();
    }

    static float attrFloat(NodeProto n, String name, float otherwise) {
        AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getF();
    }

    static long[] attrInts(NodeProto n, String name, long[] otherwise) {
        AttributeProto a = attribute(n, name);
        if (a == null) {
            return otherwise;
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    static String attrString(NodeProto n, String name, String otherwise) {
        AttributeProto a = attribute(n, name);
        return a == null ? otherwise : a.getS().toStringUtf8();
    }
}
