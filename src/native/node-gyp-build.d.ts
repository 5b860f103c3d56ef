// node-gyp-build ships no types; only the part used here (src/native/native-addon.ts).
declare module 'node-gyp-build' {
  interface NodeGypBuild {
    /** requires the addon under `directory` (not used: see native-addon.ts). */
    (directory: string): unknown;
    /** the .node file it would load from `directory`; throws when there is none. */
    resolve(directory: string): string;
  }
  const nodeGypBuild: NodeGypBuild;
  export default nodeGypBuild;
}
