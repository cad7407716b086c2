"""What every DeepColor model class shares: its constructor arguments are its config."""

import keras


class ColorizerModel(keras.Model):
    """A functional keras.Model whose `get_config` is its constructor arguments (CONFIG_KEYS), so
    `.keras` files reload through the constructor. Weights travel in the file; rebuilding a model
    with a pretrained backbone never downloads them again (`weights` is not part of the config)."""

    CONFIG_KEYS = ()

    def _remember(self, **arguments):
        for key, value in arguments.items():
            setattr(self, key, tuple(value) if isinstance(value, list) else value)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        for key in self.CONFIG_KEYS:
            value = getattr(self, key)
            config[key] = list(value) if isinstance(value, tuple) else value
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
