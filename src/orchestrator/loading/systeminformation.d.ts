// Types for the two systeminformation modules loaded on their own (the package types only its index).
declare module 'systeminformation/lib/memory.js' {
  export { mem } from 'systeminformation';
}
declare module 'systeminformation/lib/graphics.js' {
  export { graphics } from 'systeminformation';
}
