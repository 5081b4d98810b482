/**
 * @xmldom/xmldom through a few typed interfaces of our own. Its type declarations pull the
 * DOM library into the whole program (`/// <reference lib="dom" />`), which changes the
 * types of fetch, Blob and friends everywhere else; loading it with require keeps them out.
 */
import { createRequire } from 'node:module';

export interface XmlNode {
  readonly nodeType: number;
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly parentNode: XmlElement | null;
  readonly firstChild: XmlNode | null;
  readonly childNodes: ArrayLike<XmlNode>;
  readonly ownerDocument: XmlDocument;
  cloneNode(deep: boolean): XmlNode;
}

export interface XmlElement extends XmlNode {
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
  appendChild(child: XmlNode): XmlNode;
  removeChild(child: XmlNode): XmlNode;
  insertBefore(child: XmlNode, ref: XmlNode | null): XmlNode;
  replaceChild(child: XmlNode, old: XmlNode): XmlNode;
}

export interface XmlDocument {
  readonly documentElement: XmlElement | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
  createElementNS(ns: string, qualifiedName: string): XmlElement;
  createTextNode(text: string): XmlNode;
}

interface XmlDom {
  DOMParser: new (opts?: { errorHandler?: (level: string, msg: unknown) => void }) => {
    parseFromString(text: string, mime: string): XmlDocument;
  };
  XMLSerializer: new () => { serializeToString(node: XmlNode | XmlDocument): string };
}

const xmldom = createRequire(import.meta.url)('@xmldom/xmldom') as XmlDom;
export const DOMParser = xmldom.DOMParser;
export const XMLSerializer = xmldom.XMLSerializer;
