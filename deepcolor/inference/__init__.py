"""From a trained model to colour photos: colorizer.py (the Colorizer: predict chroma at the model's
size, recombine it with the photo's own lightness at full resolution) and colorize_files.py (the
`deepcolor colorize` command: files and folders in, files out). Light on purpose: importing the
package loads no TensorFlow, so the command starts fast."""
