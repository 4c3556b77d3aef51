"""The selected image, fitted to the pane, with wheel zoom and drag to pan.

A forensic examiner looks at pixels: the view zooms without smoothing past 100 % so the
upsampling artefacts the spectrum talks about can be seen in the image itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel, QStackedLayout, QWidget


class _ZoomView(QGraphicsView):
    """Wheel zooms, double click fits; the owner decides what fitting means."""

    def __init__(self, scene: QGraphicsScene, owner: "ImageView") -> None:
        super().__init__(scene)
        self.owner = owner

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.owner.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def mouseDoubleClickEvent(self, event) -> None:
        self.owner.fit()


class ImageView(QWidget):
    """Shows one image, or a message in its place (no selection, file changed...)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = _ZoomView(self.scene, self)
        self.view.setDragMode(QGraphicsView.ScrollHandDrag)
        self.view.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.view.setRenderHint(QPainter.SmoothPixmapTransform, True)
        self.view.setBackgroundBrush(Qt.darkGray)
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.SmoothTransformation)
        self.scene.addItem(self.item)
        self.message = QLabel()
        self.message.setTextFormat(Qt.PlainText)  # names and paths are shown as written
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setMargin(16)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.view)
        self.fitted = True
        self.current: str | None = None
        self.show_message("Select an image in the table to see it here.")

    def show_message(self, text: str) -> None:
        self.current = None
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_image(self, key: str, image: QImage) -> None:
        if key != self.current:
            self.item.setPixmap(QPixmap.fromImage(image))
            self.scene.setSceneRect(self.item.boundingRect())
            self.current = key
            self.fitted = True
        self.stack.setCurrentWidget(self.view)
        self._fit()

    def _fit(self) -> None:
        self._update_scrollbars()
        if self.fitted and self.current is not None:
            self.view.resetTransform()
            self.view.fitInView(self.item, Qt.KeepAspectRatio)
            self._update_smoothing()

    def zoom(self, factor: float) -> None:
        self.view.scale(factor, factor)
        self.fitted = False
        self._update_scrollbars()
        self._update_smoothing()

    def _update_scrollbars(self) -> None:
        # fitted, the whole image is in view: scroll bars would only eat space (and a
        # rounding pixel would make them appear)
        policy = Qt.ScrollBarAlwaysOff if self.fitted else Qt.ScrollBarAsNeeded
        self.view.setHorizontalScrollBarPolicy(policy)
        self.view.setVerticalScrollBarPolicy(policy)

    def _update_smoothing(self) -> None:
        zoom = self.view.transform().m11()
        mode = Qt.FastTransformation if zoom > 1.0 else Qt.SmoothTransformation
        self.item.setTransformationMode(mode)

    def fit(self) -> None:
        self.fitted = True
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()
