package io.github.lola4j.onnx;

import io.github.lola4j.onnx.proto.Onnx.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A constant tensor's dimensions and values. */
record ConstantTensor(long[] dims, double[] values) {

    static final Set<Integer> READ = new HashSet<>(List.of(TensorProto.DataType.FLOAT_VALUE,
            TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.INT64_VALUE));

    long[] longs() {
        long[] v = new long[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (long) values[i];
        }
        return v;
    }

    static ConstantTensor of(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("tensor " + t.getName() + " is stored in an external file; save the model"
                    + " with its weights inside");
        }
        if (!READ.contains(t.getDataType())) {
            throw new IllegalArgumentException("tensor " + t.getName() + " has data type " + t.getDataType()
                    + "; lola4j reads float, double and int64 tensors");
        }
        long[] dims = new long[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor " + t.getName() + " has dimension " + dims[i]);
            }
            count *= dims[i];
            if (count > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("tensor " + t.getName() + " has more values than lola4j reads");
            }
        }
        double[] v = new double[(int) count];
        int type = t.getDataType();
        if (!t.getRawData().isEmpty()) {
            int width = type == TensorProto.DataType.FLOAT_VALUE ? 4 : 8;
            if (t.getRawData().size() != count * width) {
                throw new IllegalArgumentException("tensor " + t.getName() + " holds " + t.getRawData().size()
                        + " bytes for " + count + " values of " + width + " bytes");
            }
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.length; i++) {
                v[i] = type == TensorProto.DataType.FLOAT_VALUE ? b.getFloat()
                        : type == TensorProto.DataType.DOUBLE_VALUE ? b.getDouble() : b.getLong();
            }
        } else {
            int n = type == TensorProto.DataType.FLOAT_VALUE ? t.getFloatDataCount()
                    : type == TensorProto.DataType.DOUBLE_VALUE ? t.getDoubleDataCount() : t.getInt64DataCount();
            if (n != count) {
                throw new IllegalArgumentException("tensor " + t.getName() + " holds " + n + " values, its dimensions say " + count);
            }
            for (int i = 0; i < v.length; i++) {
                v[i] = type == TensorProto.DataType.FLOAT_VALUE ? t.getFloatData(i)
                        : type == TensorProto.DataType.DOUBLE_VALUE ? t.getDoubleData(i) : t.getInt64Data(i);
            }
        }
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException("tensor " + t.getName() + " value " + i + " is " + v[i]);
            }
        }
        return new ConstantTensor(dims, v);
    }
}
