package io.github.lola4j.cli;

import io.github.lola4j.models.ModelRegistry;
import io.github.lola4j.nn.Network;
import io.github.lola4j.onnx.OnnxModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What {@code --model} names: a shipped model, a lola4j model file, or an ONNX file (by its .onnx extension). */
final class Models {

    private Models() {
    }

    static Network load(String nameOrPath) throws IOException {
        if (nameOrPath.toLowerCase(Locale.ROOT).endsWith(".onnx") && Files.isRegularFile(Path.of(nameOrPath))) {
            return OnnxModels.load(Path.of(nameOrPath));
        }
        return ModelRegistry.load(nameOrPath);
    }
}
