package io.github.lola4j.format;

/** {@link Progress#none()}: an enum, so that there is exactly one and it needs no lock. */
enum NoProgress implements Progress {
    INSTANCE;

    @Override
    public void start(String task, long total) {
    }

    @Override
    public void advance(long units) {
    }

    @Override
    public void done() {
    }
}
